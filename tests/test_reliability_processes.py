"""Faults with real processes: a collecting worker killed with SIGKILL, the database connection
terminated under a running collection, and two collections started at the same moment."""

import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from repos.models import Repository
from stats import merge
from stats.fake_github import FakeGitHub
from stats.models import CollectionLock, CollectionRun, DailyTraffic, RunItem
from tests.reliability_support import ALIAS, process_database, seed_tenant, wait_for, window_rows

TOKEN = "ghp_processFaultsToken00000000000042"
REPOS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def proc_db(django_db_blocker):
    with django_db_blocker.unblock(), process_database() as database:
        yield database


@pytest.fixture
def github():
    # Every request waits a little, so a run of six repositories lasts a few seconds.
    with FakeGitHub(latency=0.12) as fake:
        fake.set_now(datetime.now(UTC))
        yield fake


@pytest.fixture
def proc(proc_db, django_db_blocker):
    with django_db_blocker.unblock():
        yield proc_db


def _items(tenant, status=None):
    items = RunItem.objects.using(ALIAS).filter(run__tenant=tenant)
    return items.filter(status=status) if status else items


def _assert_each_repository_all_or_nothing(tenant, today):
    """Per repository: no rows (never stored) or exactly GitHub's window, never a part or a duplicate."""
    window = sorted(merge.daily_window(today))
    complete = 0
    for repo in Repository.objects.using(ALIAS).filter(tenant=tenant):
        days = sorted(window_rows(repo.pk))
        assert days in ([], window), f"{repo.full_name}: {len(days)} rows"
        complete += bool(days)
    return complete


def _collect(proc, github, slug, **kwargs):
    return proc.manage("collect_traffic", "--tenant", slug, "--concurrency", "1", "--quiet",
                       GITHUB_API_URL=github.url, **kwargs)


def test_it_recovers_from_a_worker_killed_mid_run(proc, github):
    tenant = seed_tenant("killed", REPOS, token=TOKEN, github=github)
    worker = proc.popen("collect_traffic", "--tenant", "killed", "--concurrency", "1", "--quiet",
                        GITHUB_API_URL=github.url)
    try:
        wait_for(lambda: _items(tenant, RunItem.Status.OK).count() >= 2, timeout=60, what="two repositories stored")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL

    run = CollectionRun.objects.using(ALIAS).get(tenant=tenant)
    assert run.status == CollectionRun.Status.RUNNING  # nobody could finalize it
    ok_before = set(_items(tenant, RunItem.Status.OK).values_list("repository_id", flat=True))
    assert 2 <= len(ok_before) < len(REPOS)
    today = datetime.now(UTC).date()
    # Each repository is stored in one transaction: the one cut short left nothing behind.
    assert _assert_each_repository_all_or_nothing(tenant, today) == len(ok_before)

    # Restarted at once, the worker finds the dead run still holding the tenant: it says so, exits 3.
    busy = _collect(proc, github, "killed")
    assert busy.returncode == 3, busy.stderr
    assert f"(run {run.pk})" in busy.stderr

    # Once its heartbeat is stale (COLLECT_STALE_SECONDS), the dead run is closed and a new one runs.
    stale = datetime.now(UTC) - timedelta(minutes=20)
    CollectionRun.objects.using(ALIAS).filter(pk=run.pk).update(heartbeat=stale, started=stale)
    again = _collect(proc, github, "killed")
    assert again.returncode == 0, again.stdout + again.stderr

    run.refresh_from_db(using=ALIAS)
    assert run.status in (CollectionRun.Status.FAILED, CollectionRun.Status.PARTIAL)
    assert run.finished is not None and "abandoned" in run.error_summary
    assert set(_items(tenant).filter(run=run, status=RunItem.Status.OK).values_list("repository_id", flat=True)) == (
        ok_before
    )
    latest = CollectionRun.objects.using(ALIAS).filter(tenant=tenant).exclude(pk=run.pk).get()
    assert latest.status == CollectionRun.Status.SUCCEEDED
    assert _assert_each_repository_all_or_nothing(tenant, today) == len(REPOS)
    assert DailyTraffic.objects.using(ALIAS).filter(repository__tenant=tenant).count() == len(REPOS) * len(
        merge.daily_window(today)
    )
    assert CollectionLock.objects.using(ALIAS).get(tenant=tenant).run_id is None


def test_it_survives_the_database_connection_dropping_mid_run(proc, github):
    if proc.vendor != "postgresql":
        pytest.skip("SQLite has no server connection to drop; runs with TEST_DATABASE_URL=postgres://…")
    tenant = seed_tenant("dropped", REPOS, token=TOKEN, github=github)
    # application_name lets the test find the worker's backend among the other connections.
    url = proc.url + "?application_name=ghtraffic_dropped_worker"
    worker = proc.popen("collect_traffic", "--tenant", "dropped", "--concurrency", "1", "--quiet",
                        GITHUB_API_URL=github.url, DATABASE_URL=url)
    try:
        wait_for(lambda: _items(tenant, RunItem.Status.OK).count() >= 2, timeout=60, what="two repositories stored")
        with connections[ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                ["ghtraffic_dropped_worker"],
            )
            assert cursor.fetchall() == [(True,)]
        _output, errors = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    today = datetime.now(UTC).date()
    run = CollectionRun.objects.using(ALIAS).get(tenant=tenant)
    # The run records the error instead of dying with it, and releases the tenant.
    assert run.status in (CollectionRun.Status.PARTIAL, CollectionRun.Status.FAILED), (run.status, errors)
    assert "database" in run.error_summary.lower(), run.error_summary
    assert worker.returncode == 1, errors
    # The repository being stored when the connection died carries the reason; the others went on.
    failed = _items(tenant, RunItem.Status.FAILED)
    assert failed.count() == 1 and "database error while storing" in failed.get().error
    # What was committed before the drop stays, complete.
    assert _assert_each_repository_all_or_nothing(tenant, today) >= 2

    again = _collect(proc, github, "dropped")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _assert_each_repository_all_or_nothing(tenant, today) == len(REPOS)


def test_it_runs_exactly_one_of_two_collections_started_together(proc, github):
    tenant = seed_tenant("twice", REPOS[:3], token=TOKEN, github=github)
    barrier = threading.Barrier(3)
    results = {}

    def command(key):
        barrier.wait()
        results[key] = _collect(proc, github, "twice")

    threads = [threading.Thread(target=command, args=(key,)) for key in ("first", "second", "third")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    codes = sorted(result.returncode for result in results.values())
    assert codes == [0, 3, 3], {k: (r.returncode, r.stderr) for k, r in results.items()}
    assert CollectionRun.objects.using(ALIAS).filter(tenant=tenant).count() == 1
    run = CollectionRun.objects.using(ALIAS).get(tenant=tenant)
    assert run.status == CollectionRun.Status.SUCCEEDED
    for result in results.values():
        if result.returncode == 3:
            assert f"collection already running for twice (run {run.pk})" in result.stderr
    # Every repository was fetched once: nobody collected behind the lock's back.
    assert github.request_count(path_contains="/traffic/views") == 3 * 2
