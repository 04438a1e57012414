"""Worker visibility: the runs pages and the runs API say when no `qcluster` has been seen lately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task
from django_q.scheduler import scheduler

from stats.collection import workers
from stats.collection.scheduling import collection_schedule_post_migrate
from stats.models import CollectionRun

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOTICE = "No worker is running"


@pytest.fixture
def heartbeat(db) -> Schedule:
    Schedule.objects.filter(name=workers.HEARTBEAT_SCHEDULE_NAME).delete()
    return workers.worker_heartbeat_schedule_ensure(now=NOW)


@pytest.fixture(autouse=True)
def no_cluster_status(monkeypatch) -> None:
    """No cluster status in the broker's cache unless a test puts one there."""
    monkeypatch.setattr(workers.Stat, "get_all", staticmethod(lambda broker=None: []))


def worker_seen(schedule: Schedule, at: datetime) -> None:
    Schedule.objects.filter(pk=schedule.pk).update(next_run=at)


def test_it_creates_the_heartbeat_schedule_once_and_keeps_its_last_beat(heartbeat):
    assert heartbeat.func == workers.HEARTBEAT_TASK
    assert heartbeat.schedule_type == Schedule.MINUTES and heartbeat.minutes == 1 and heartbeat.repeats == -1
    worker_seen(heartbeat, NOW)
    again = workers.worker_heartbeat_schedule_ensure(now=NOW + timedelta(days=1))
    assert again.pk == heartbeat.pk
    assert Schedule.objects.filter(name=workers.HEARTBEAT_SCHEDULE_NAME).count() == 1
    assert Schedule.objects.get(pk=heartbeat.pk).next_run == NOW


def test_it_creates_the_heartbeat_schedule_on_migrate(db):
    Schedule.objects.all().delete()
    collection_schedule_post_migrate()
    assert Schedule.objects.filter(name=workers.HEARTBEAT_SCHEDULE_NAME, func=workers.HEARTBEAT_TASK).exists()


def test_it_has_seen_no_worker_before_a_scheduler_fired_the_heartbeat(heartbeat):
    assert workers.worker_seen_recently(now=NOW) is False


def test_it_has_seen_no_worker_without_the_heartbeat_schedule(db):
    Schedule.objects.all().delete()
    assert workers.worker_seen_recently(now=NOW) is False


def test_it_sees_a_worker_whose_scheduler_fired_the_heartbeat_and_forgets_it_later(transactional_db):
    # transactional_db: django-q2's scheduler closes old database connections, as in a real cluster.
    Schedule.objects.all().delete()
    workers.worker_heartbeat_schedule_ensure()
    # What every qcluster does about every 30 seconds: fire due schedules, moving next_run past now.
    scheduler()
    fired_at = timezone.now()
    assert workers.worker_seen_recently(now=fired_at) is True
    assert workers.worker_seen_recently(now=fired_at + timedelta(seconds=90)) is True
    assert workers.worker_seen_recently(now=fired_at + workers.WORKER_SEEN_WINDOW + timedelta(minutes=2)) is False
    # The task it queued does nothing and keeps no result.
    [queued] = OrmQ.objects.all()
    assert queued.func() == workers.HEARTBEAT_TASK
    assert queued.task["save"] is False
    assert workers.worker_heartbeat() is None


def test_it_sees_a_running_cluster_in_the_brokers_cache(heartbeat, monkeypatch):
    class Running:
        status = "Idle"

    class Stopped:
        status = "Stopped"

    monkeypatch.setattr(workers.Stat, "get_all", staticmethod(lambda broker=None: [Stopped()]))
    assert workers.worker_seen_recently(now=NOW) is False
    monkeypatch.setattr(workers.Stat, "get_all", staticmethod(lambda broker=None: [Stopped(), Running()]))
    assert workers.worker_seen_recently(now=NOW) is True


def test_it_takes_an_unreachable_broker_as_no_worker(heartbeat, monkeypatch):
    def unreachable(broker=None):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(workers.Stat, "get_all", staticmethod(unreachable))
    assert workers.worker_seen_recently(now=NOW) is False


# --- the runs pages and the runs API ------------------------------------------------------------


def queued_run(tenant) -> CollectionRun:
    return CollectionRun.objects.create(tenant=tenant, trigger="ui", status="queued")


def test_it_warns_on_the_runs_pages_when_a_run_waits_and_no_worker_runs(world, heartbeat):
    run = queued_run(world.tenant_a)
    client = world.client_for(world.owner_a)
    for url in ("/t/acme/runs/", f"/t/acme/runs/{run.pk}/"):
        html = client.get(url).content.decode()
        assert NOTICE in html and "manage.py qcluster" in html, url


def test_it_does_not_warn_while_a_worker_runs(world, heartbeat):
    worker_seen(heartbeat, timezone.now())
    run = queued_run(world.tenant_a)
    client = world.client_for(world.owner_a)
    for url in ("/t/acme/runs/", f"/t/acme/runs/{run.pk}/"):
        html = client.get(url).content.decode()
        assert NOTICE not in html and 'id="worker-notice"' not in html, url


def test_it_only_hints_to_maintainers_when_nothing_waits(world, heartbeat):
    CollectionRun.objects.create(tenant=world.tenant_a, trigger="ui", status="succeeded")
    admin_html = world.client_for(world.owner_a).get("/t/acme/runs/").content.decode()
    viewer_html = world.client_for(world.viewer_a).get("/t/acme/runs/").content.decode()
    assert NOTICE not in admin_html and "No worker has been seen" in admin_html
    assert 'id="worker-notice"' not in viewer_html


def test_it_reports_workers_alive_in_the_runs_api(world, heartbeat):
    client = world.client_for(world.viewer_a)
    assert client.get("/api/v1/t/acme/runs/").json()["workers_alive"] is False
    worker_seen(heartbeat, timezone.now())
    assert client.get("/api/v1/t/acme/runs/").json()["workers_alive"] is True


def test_it_documents_workers_alive_in_the_schema(world):
    schema = world.client_for(world.owner_a).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    run_list = schema["components"]["schemas"]["RunList"]
    assert run_list["properties"]["workers_alive"]["type"] == "boolean"
    assert "workers_alive" in run_list["required"]


def test_it_sees_a_worker_that_finished_a_task_lately(heartbeat):
    Task.objects.create(id="t1", name="run-1-0", func="stats.collection.tasks.collect_items", started=NOW,
                        stopped=NOW + timedelta(seconds=2), success=True)
    assert workers.worker_seen_recently(now=NOW + timedelta(seconds=30)) is True
    assert workers.worker_seen_recently(now=NOW + workers.WORKER_SEEN_WINDOW + timedelta(seconds=3)) is False
