"""Faults with real processes: a collecting worker killed with SIGKILL, the database connection
terminated under a running collection, and two collections started at the same moment."""

import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from devtools.fake_github import FakeGitHub
from repos.models import Repository
from stats.collection import merge
from stats.models import CollectionLock, CollectionRun, DailyTraffic, RunItem
from tests.reliability_support import ALIAS, ROOT, process_database, seed_tenant, wait_for, window_rows

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


def _backend_state(application_name):
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT state FROM pg_stat_activity WHERE application_name = %s", [application_name])
        row = cursor.fetchone()
    return row[0] if row else None


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
        # Strike while the worker waits on GitHub (its connection idle), as a real drop usually does.
        wait_for(lambda: _backend_state("ghtraffic_dropped_worker") == "idle", timeout=10, what="an idle backend")
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
    # Whichever command won, both losers name the winner's run.
    refusals = sorted(result.stderr for result in results.values() if result.returncode == 3)
    assert len(refusals) == 2
    assert all(f"collection already running for twice (run {run.pk})" in refusal for refusal in refusals)
    # Every repository was fetched once: nobody collected behind the lock's back.
    assert github.request_count(path_contains="/traffic/views") == 3 * 2


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web(proc, github):
    """The app served by gunicorn on the shared database, with the webhook enabled."""
    import subprocess
    import sys

    import requests

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "ghtraffic.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT,
        env=proc.env(WEBHOOK_SECRET=HOOK_SECRET, COLLECT_MIN_INTERVAL="0", GITHUB_API_URL=github.url),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(requests, f"{base}/healthz"), timeout=30, what="gunicorn")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _answers(requests, url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


HOOK_SECRET = "process-test-webhook-secret"


def test_it_refuses_the_webhook_while_a_command_collects(proc, github, web):
    tenant = seed_tenant("cmdfirst", REPOS[:3], token=TOKEN, github=github)
    command = proc.popen("collect_traffic", "--tenant", "cmdfirst", "--concurrency", "1", "--quiet",
                         GITHUB_API_URL=github.url)
    runs = CollectionRun.objects.using(ALIAS).filter(tenant=tenant)
    # 21 requests at 0.12 s each: the command holds the tenant for seconds after its run appears.
    wait_for(runs.exists, timeout=60, what="the command's run")
    answer = _webhook(web, "cmdfirst")
    _, stderr = command.communicate(timeout=120)
    run = runs.get()
    assert command.returncode == 0, stderr
    assert run.trigger == CollectionRun.Trigger.COMMAND and run.status == CollectionRun.Status.SUCCEEDED
    assert answer["queued"] == [] and f"collection already running for cmdfirst (run {run.pk})" in answer["message"]


def test_it_refuses_the_command_while_a_webhook_run_holds_the_tenant(proc, github, web):
    tenant = seed_tenant("hookfirst", REPOS[:3], token=TOKEN, github=github)
    answer = _webhook(web, "hookfirst")
    # No worker runs here: the webhook's queued run keeps the tenant.
    result = _collect(proc, github, "hookfirst")
    run = CollectionRun.objects.using(ALIAS).get(tenant=tenant)
    assert answer["queued"] == [run.pk] and run.trigger == CollectionRun.Trigger.WEBHOOK and run.is_active
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"collection already running for hookfirst (run {run.pk})" in result.stderr
    assert github.request_count(path_contains="/traffic/views") == 0


def test_it_refuses_a_huge_webhook_body_over_real_http_without_waiting_for_it(web):
    import socket
    from urllib.parse import urlsplit

    host, port = urlsplit(web).hostname, urlsplit(web).port
    with socket.create_connection((host, port), timeout=10) as sock:
        # Announce 50 MB, send 20 bytes and stop: a server that read the body first would hang here.
        sock.sendall(
            b"POST /hooks/collect/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\nConnection: close\r\n\r\n" + b'{"tenant": "acme", '
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    # The answer came before the body did (the socket's 10 s timeout would fail the test otherwise).
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def _webhook(base, slug):
    import requests

    from stats.collection.webhook import ping_body, signature_for

    body = ping_body(tenant=slug)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature_for(body, secret=HOOK_SECRET)}
    return requests.post(f"{base}/hooks/collect/", data=body, headers=headers, timeout=30).json()


def _start_cluster(proc, github, log):
    import subprocess
    import sys

    # Its own session: SIGKILL must reach the sentinel, workers and monitor, not only the parent.
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, start_new_session=True,
        env=proc.env(Q_WORKERS="1", COLLECT_BATCH_SIZE="2", GITHUB_API_URL=github.url, COLLECT_CONCURRENCY="1",
                     LOG_LEVEL="INFO"),
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def _stop_cluster(cluster):
    import os

    if cluster.poll() is None:
        os.killpg(cluster.pid, signal.SIGINT)  # qcluster hangs on SIGTERM
        try:
            cluster.wait(timeout=20)
        except Exception:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()


def test_it_recovers_from_a_qcluster_killed_mid_run(proc, github, web, tmp_path):
    import os

    tenant = seed_tenant("queued", REPOS, token=TOKEN, github=github)
    answer = _webhook(web, "queued")
    assert len(answer["queued"]) == 1, answer
    run_id = answer["queued"][0]
    cluster = _start_cluster(proc, github, tmp_path / "cluster1.log")
    try:
        wait_for(lambda: _items(tenant, RunItem.Status.OK).count() >= 2, timeout=60,
                 what="the worker to store two repositories")
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=10)

    today = datetime.now(UTC).date()
    run = CollectionRun.objects.using(ALIAS).get(pk=run_id)
    assert run.status == CollectionRun.Status.RUNNING
    ok_before = _items(tenant, RunItem.Status.OK).count()
    assert _assert_each_repository_all_or_nothing(tenant, today) == ok_before < len(REPOS)
    # While the dead run looks alive, a new ping queues nothing and says why.
    assert _webhook(web, "queued")["queued"] == []

    # The heartbeat goes stale (COLLECT_STALE_SECONDS); a restarted cluster and a new ping take over.
    stale = datetime.now(UTC) - timedelta(minutes=20)
    CollectionRun.objects.using(ALIAS).filter(pk=run_id).update(heartbeat=stale, started=stale)
    # The ping comes first: the dead run's leftover tasks, picked up by the new cluster, then find it
    # closed and do nothing (were it still open, they would resume it and refresh its heartbeat).
    answer = _webhook(web, "queued")
    assert len(answer["queued"]) == 1, answer
    cluster = _start_cluster(proc, github, tmp_path / "cluster2.log")
    try:
        wait_for(
            lambda: not CollectionRun.objects.using(ALIAS).get(pk=answer["queued"][0]).is_active,
            timeout=90, what="the new run to finish",
        )
    finally:
        _stop_cluster(cluster)

    run.refresh_from_db(using=ALIAS)
    assert run.status in (CollectionRun.Status.FAILED, CollectionRun.Status.PARTIAL)
    assert "abandoned" in run.error_summary
    latest = CollectionRun.objects.using(ALIAS).get(pk=answer["queued"][0])
    assert latest.status == CollectionRun.Status.SUCCEEDED, latest.error_summary
    assert _assert_each_repository_all_or_nothing(tenant, today) == len(REPOS)
    assert DailyTraffic.objects.using(ALIAS).filter(repository__tenant=tenant).count() == len(REPOS) * len(
        merge.daily_window(today)
    )
