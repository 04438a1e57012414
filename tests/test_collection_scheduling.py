"""stats.collection.scheduling: queuing runs in batches after commit, throttling, the daily Schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import time_machine
from django.core.management.sql import emit_post_migrate_signal
from django_q.models import Schedule

from repos.models import Repository
from stats.collection import scheduling
from stats.models import CollectionRun, RunItem
from tenants.models import Tenant

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def five_repos(world) -> list[Repository]:
    extra = [Repository(tenant=world.tenant_a, owner="acme", name=f"r{i}") for i in range(4)]
    Repository.objects.bulk_create(extra)
    return list(Repository.objects.filter(tenant=world.tenant_a))


def test_it_queues_one_task_per_batch_after_commit(world, five_repos, queued, settings,
                                                   django_capture_on_commit_callbacks):
    settings.COLLECT_BATCH_SIZE = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, message = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    assert run is not None
    assert message == f"run {run.pk} queued (5 repositories)"
    assert queued == []  # nothing reaches the broker before the run is committed
    for callback in callbacks:
        callback()
    item_ids = list(RunItem.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    assert len(item_ids) == 5
    assert [call[0] for call in queued] == ["stats.collection.tasks.collect_items"] * 3
    assert [call[2] for call in queued] == [item_ids[0:2], item_ids[2:4], item_ids[4:5]]
    assert {call[1] for call in queued} == {run.pk}


def test_it_refuses_a_second_run_while_one_is_active(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
        second, message = scheduling.collection_request(tenant=world.tenant_a, trigger="webhook", now=NOW)
    assert first is not None and second is None
    assert str(first.pk) in message
    assert CollectionRun.objects.filter(tenant=world.tenant_a).count() == 1
    # Another tenant is independent.
    other, _ = scheduling.collection_request(tenant=world.tenant_b, trigger="ui", now=NOW)
    assert other is not None


def test_it_throttles_until_the_minimum_interval_has_passed(world, queued, settings):
    settings.COLLECT_MIN_INTERVAL = 600
    CollectionRun.objects.create(
        tenant=world.tenant_a, trigger="schedule", status=CollectionRun.Status.FAILED,
        finished=NOW - timedelta(seconds=599),
    )
    run, message = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    assert run is None
    assert "12:00:01 UTC" in message  # when the next run may start
    run, _ = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW + timedelta(seconds=2))
    assert run is not None


def test_it_does_not_throttle_when_the_interval_is_zero(world, queued, settings):
    settings.COLLECT_MIN_INTERVAL = 0
    CollectionRun.objects.create(tenant=world.tenant_a, trigger="ui", status="succeeded", finished=NOW)
    run, _ = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    assert run is not None


def test_it_queues_nothing_for_a_tenant_without_active_repositories(world, queued):
    Repository.objects.filter(tenant=world.tenant_a).update(active=False)
    run, message = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    assert run is None and message == "no active repositories to collect"
    outcomes = scheduling.collection_request_all(trigger="schedule", now=NOW)
    assert [outcome.tenant for outcome in outcomes] == [world.tenant_b]


def test_it_collects_every_tenant_with_active_repositories(world, queued, django_capture_on_commit_callbacks):
    Tenant.objects.create(slug="empty", name="Empty")
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = scheduling.collection_request_all(trigger="schedule", now=NOW)
    assert sorted(outcome.tenant.slug for outcome in outcomes) == ["acme", "globex"]
    assert all(outcome.run is not None for outcome in outcomes)
    assert len(queued) == 2


def test_it_fails_the_run_when_the_broker_refuses(world, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(scheduling, "async_task", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    run.refresh_from_db()
    assert not run.is_active  # the tenant is not locked by a run nobody will work on
    item = RunItem.objects.get(run=run)
    assert item.status == RunItem.Status.FAILED
    assert "broker down" in item.error


def test_it_creates_the_schedule_idempotently(db, settings):
    Schedule.objects.all().delete()
    settings.COLLECT_SCHEDULE = "30 23 * * *"
    schedule, action = scheduling.collection_schedule_ensure(now=NOW)
    assert action == "created"
    assert schedule.func == "stats.collection.tasks.scheduled_collection"
    assert schedule.schedule_type == Schedule.CRON
    assert schedule.next_run == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    again, action = scheduling.collection_schedule_ensure(now=NOW + timedelta(days=3))
    assert action == "unchanged" and again.pk == schedule.pk
    assert Schedule.objects.get().next_run == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    settings.COLLECT_SCHEDULE = "0 6 * * *"
    changed, action = scheduling.collection_schedule_ensure(now=NOW)
    assert action == "updated" and changed.pk == schedule.pk
    assert Schedule.objects.get().next_run == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)

    settings.COLLECT_SCHEDULE = "off"
    assert scheduling.collection_schedule_ensure(now=NOW) == (None, "removed")
    assert scheduling.collection_schedule_ensure(now=NOW) == (None, "absent")
    assert Schedule.objects.count() == 0


@pytest.mark.parametrize("cron", ["every day", "61 23 * * *", "30 23 * *", "* * * * * *"])
def test_it_rejects_an_invalid_cron_expression(db, cron):
    with pytest.raises(scheduling.InvalidSchedule):
        scheduling.collection_schedule_ensure(cron=cron, now=NOW)


def test_it_creates_the_schedule_on_migrate(db, settings):
    Schedule.objects.all().delete()
    settings.COLLECT_SCHEDULE = "15 2 * * *"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    schedule = Schedule.objects.get(name=scheduling.SCHEDULE_NAME)
    assert schedule.cron == "15 2 * * *"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert Schedule.objects.filter(name=scheduling.SCHEDULE_NAME).count() == 1


def test_it_lets_the_scheduled_task_queue_runs(world, queued, django_capture_on_commit_callbacks):
    from stats.collection import tasks

    with django_capture_on_commit_callbacks(execute=True):
        run_ids = tasks.scheduled_collection()
    assert sorted(run_ids) == sorted(CollectionRun.objects.filter(trigger="schedule").values_list("pk", flat=True))
    assert len(run_ids) == 2 and len(queued) == 2



def test_it_is_a_schedule_django_q_fires(db, monkeypatch):
    """django-q2's own scheduler (what a qcluster runs every 30 s) turns our Schedule into the task."""
    from django_q import scheduler as q_scheduler

    Schedule.objects.all().delete()
    # Made two days ago: its next run (yesterday 23:30) is due.
    scheduling.collection_schedule_ensure(cron="30 23 * * *", now=NOW - timedelta(days=2))
    fired: list[str] = []
    monkeypatch.setattr(q_scheduler, "async_task", lambda func, *args, **kwargs: fired.append(func) or uuid4().hex)
    # It would close the connection that holds this test's transaction (PostgreSQL).
    monkeypatch.setattr(q_scheduler, "close_old_django_connections", lambda: None)
    with time_machine.travel(NOW, tick=False):
        q_scheduler.scheduler()
    assert fired == ["stats.collection.tasks.scheduled_collection"]
    assert Schedule.objects.get(name=scheduling.SCHEDULE_NAME).next_run == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def test_it_closes_the_run_when_the_broker_fails_after_some_batches(world, five_repos, monkeypatch, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.COLLECT_BATCH_SIZE = 2
    sent: list[tuple] = []

    def flaky(func, *args, **kwargs):
        if sent:
            raise ConnectionError("broker went away")
        sent.append(args)

    monkeypatch.setattr(scheduling, "async_task", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = scheduling.collection_request(tenant=world.tenant_a, trigger="ui", now=NOW)
    run.refresh_from_db()
    # The first batch is queued and still pending: the run stays open for the worker that takes it.
    assert run.is_active
    assert RunItem.objects.filter(run=run, status=RunItem.Status.PENDING).count() == 2
    assert RunItem.objects.filter(run=run, status=RunItem.Status.FAILED).count() == 3
