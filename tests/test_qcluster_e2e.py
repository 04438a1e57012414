"""End to end: a real gunicorn and real `qcluster` processes share one database with this test.

The test process cannot share pytest-django's test database with subprocesses, so this module builds
its own throwaway database (migrate + seed in a subprocess): a SQLite file, or a PostgreSQL database
beside TEST_DATABASE_URL's when that points at PostgreSQL. FakeGitHub runs in-process.
A signed webhook goes to the running app; the workers collect against FakeGitHub; the test reads the
outcome straight from the SQLite file, then stops the cluster with SIGINT (qcluster hangs on SIGTERM).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devtools.fake_github import FakeGitHub

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SECRET = "e2e-webhook-secret"
REPOS = [f"e2e/repo{i}" for i in range(6)]
FINISHED = {"succeeded", "partial", "failed", "rate_limited"}
RUN_WAIT_SECONDS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


SETUP = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from repos.models import Repository
from tenants.models import Tenant
from tenants.scoping import tenant_scope
from tenants.services import github_credential_set
for slug in {slugs!r}:
    tenant = Tenant.objects.create(slug=slug, name=slug.title())
    with tenant_scope(tenant):
        github_credential_set(tenant=tenant, token="ghp_e2e_" + slug)
        for full_name in {repos!r}:
            owner, name = full_name.split("/")
            Repository.objects.create(tenant=tenant, owner=owner, name=name)
"""


@dataclass
class Stack:
    """One throwaway site: its database file, environment and the processes it started."""

    workdir: Path
    github_url: str
    database_url: str
    processes: list[tuple[subprocess.Popen, Path]] = field(default_factory=list)
    port: int = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_URL", "REDIS_URL", "Q_NAME"}}
        env.update(
            DEBUG="true",
            SECRET_KEY="e2e-secret-key",
            DATABASE_URL=self.database_url,
            WEBHOOK_SECRET=SECRET,
            GITHUB_API_URL=self.github_url,
            COLLECT_SCHEDULE="off",
            COLLECT_BATCH_SIZE="1",
            COLLECT_CONCURRENCY="2",
            Q_WORKERS="1",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    def start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        log = self.workdir / f"{name}-{len(self.processes)}.log"
        with log.open("wb") as out:
            # Own session: if the test dies, cleanup can end the process and its children together.
            process = subprocess.Popen(argv, cwd=ROOT, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append((process, log))
        return process

    def start_web(self, **env: str) -> int:
        """A gunicorn serving the app on a free port; returns the port once /healthz answers."""
        port = free_port()
        self.start("web", [sys.executable, "-m", "gunicorn", "ghtraffic.wsgi:application", "-b",
                           f"127.0.0.1:{port}", "-w", "1", "--log-level", "warning"], **env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10):
                    return port
            except OSError:  # refused while starting, or slow first answer on a busy machine
                time.sleep(0.1)
        raise AssertionError("gunicorn did not answer /healthz:\n" + self.logs())

    def start_cluster(self, **env: str) -> subprocess.Popen:
        return self.start("qcluster", [sys.executable, "manage.py", "qcluster"], **env)

    def wait_ready(self, *clusters: subprocess.Popen) -> None:
        """Until each cluster logs that it runs (so work is not all taken by the first one up)."""
        deadline = time.monotonic() + 20
        for cluster in clusters:
            log = next(log for proc, log in self.processes if proc is cluster)
            while "running." not in log.read_text(errors="replace"):
                if time.monotonic() > deadline or cluster.poll() is not None:
                    raise AssertionError("qcluster did not start:\n" + self.logs())
                time.sleep(0.1)

    def stop_cluster(self, process: subprocess.Popen) -> int:
        """SIGINT, as documented: django-q2's qcluster hangs on SIGTERM."""
        process.send_signal(signal.SIGINT)
        return process.wait(timeout=20)

    def webhook(self, payload: dict, *, port: int | None = None) -> tuple[int, dict]:
        # A signed ping carries a unique nonce (and a timestamp): the same body is accepted once only.
        body = json.dumps({"nonce": uuid.uuid4().hex, **payload}).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port or self.port}/hooks/collect/", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the shared database directly (`%s` placeholders)."""
        if self.database_url.startswith("sqlite:///"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=10) as connection:
                return connection.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def wait_for_run(self, run_id: int) -> dict:
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        columns = ["status", "repos_total", "repos_ok", "repos_failed", "days_stored", "api_requests", "not_modified",
                   "error_summary"]
        while time.monotonic() < deadline:
            [row] = self.query(f"SELECT {', '.join(columns)} FROM stats_collectionrun WHERE id = %s", run_id)
            if row[0] in FINISHED:
                return dict(zip(columns, row, strict=True))
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish within {RUN_WAIT_SECONDS}s:\n" + self.logs())

    def stored(self, slug: str) -> dict[str, list[tuple]]:
        """What a tenant's collection stored, keyed by table, rows identified by repository name."""
        join = "JOIN repos_repository r ON r.id = t.repository_id JOIN tenants_tenant n ON n.id = r.tenant_id"
        tables = {
            "daily": "SELECT r.owner || '/' || r.name, t.date, t.views, t.unique_views, t.clones, t.unique_clones "
                     f"FROM stats_dailytraffic t {join} WHERE n.slug = %s ORDER BY 1, 2",
            "referrers": "SELECT r.owner || '/' || r.name, t.date, t.referrer, t.count, t.uniques "
                         f"FROM stats_referrersnapshot t {join} WHERE n.slug = %s ORDER BY 1, 2, 3",
            "metrics": "SELECT r.owner || '/' || r.name, t.date, t.stars, t.forks "
                       f"FROM stats_repositorymetrics t {join} WHERE n.slug = %s ORDER BY 1, 2",
        }
        return {name: self.query(sql, slug) for name, sql in tables.items()}

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.processes)

    def processed_by(self, process: subprocess.Popen) -> int:
        log = next(log for proc, log in self.processes if proc is process)
        return log.read_text(errors="replace").count("Processed")

    def cleanup(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process, _ in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        # The workers run on the real clock, so the fake's "today" is the real one.
        gh.set_now(datetime.now(UTC))
        for full_name in REPOS:
            gh.add_repo(full_name)
        yield gh


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A SQLite file; or, when the suite runs on PostgreSQL, a throwaway database on that server."""
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if not test_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('qcluster-db') / 'e2e.sqlite3'}"
        return
    import psycopg

    base, _, _ = test_url.rpartition("/")
    name = f"ghtraffic_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def stack(tmp_path_factory, github, database_url) -> Iterator[Stack]:
    site = Stack(workdir=tmp_path_factory.mktemp("qcluster-e2e"), github_url=github.url, database_url=database_url)
    try:
        # One process migrates and seeds: each Django start costs a second or two.
        site.manage("shell", "-c", SETUP.format(slugs=["solo", "duo", "orm", "redis"], repos=REPOS))
        site.port = site.start_web()
        yield site
    finally:
        # Also when the setup fails half-way: no server or worker outlives the tests.
        site.cleanup()


def collect(stack: Stack, slug: str, *, port: int | None = None) -> tuple[int, dict]:
    status, body = stack.webhook({"tenant": slug, "timestamp": int(time.time())}, port=port)
    assert status == 202, body
    [run_id] = body["queued"]
    return run_id, stack.wait_for_run(run_id)


def assert_complete(stack: Stack, slug: str, totals: dict) -> None:
    assert totals["status"] == "succeeded", stack.logs()
    assert totals["repos_total"] == totals["repos_ok"] == len(REPOS)
    assert totals["repos_failed"] == 0
    stored = stack.stored(slug)
    assert {row[0] for row in stored["daily"]} == set(REPOS)
    assert totals["days_stored"] > 0


def test_it_collects_through_a_real_qcluster_with_the_orm_broker(stack):
    cluster = stack.start_cluster()
    _, totals = collect(stack, "orm")
    assert_complete(stack, "orm", totals)
    assert stack.stop_cluster(cluster) == 0, stack.logs()


@pytest.mark.skipif(not redis_reachable(), reason="Redis is not reachable at 127.0.0.1:6379")
def test_it_collects_through_a_real_qcluster_with_the_redis_broker(stack):
    import redis

    # A queue name of its own, so parallel runs and other sites on this Redis do not meet.
    name = f"e2e-redis-{uuid.uuid4().hex[:8]}"
    broker = {"REDIS_URL": "redis://127.0.0.1:6379/0", "Q_NAME": name}
    try:
        # The web process must queue to Redis too: a gunicorn of its own with the Redis settings.
        port = stack.start_web(**broker)
        cluster = stack.start_cluster(**broker)
        _, totals = collect(stack, "redis", port=port)
        assert_complete(stack, "redis", totals)
        assert stack.stop_cluster(cluster) == 0, stack.logs()
        # Nothing went through the ORM queue.
        assert stack.query("SELECT COUNT(*) FROM django_q_ormq") == [(0,)]
    finally:
        client = redis.Redis(host="127.0.0.1", port=6379, db=0)
        keys = [name, *client.scan_iter(f"django_q:{name}:*")]
        client.delete(*keys)


def test_it_gives_the_same_data_and_totals_with_two_workers_as_with_one(stack, github):
    # Slow answers, so that both clusters are busy at once.
    github.latency = 0.03
    try:
        one = stack.start_cluster()
        _, solo = collect(stack, "solo")
        assert stack.stop_cluster(one) == 0, stack.logs()

        # Two clusters (two "machines") serving the same queue.
        first, second = stack.start_cluster(), stack.start_cluster()
        stack.wait_ready(first, second)
        _, duo = collect(stack, "duo")
        assert stack.stop_cluster(first) == 0 and stack.stop_cluster(second) == 0, stack.logs()
    finally:
        github.latency = 0.0

    assert_complete(stack, "solo", solo)
    assert solo == duo
    assert stack.stored("solo") == stack.stored("duo")
    # Both clusters took part in the shared run.
    assert stack.processed_by(first) > 0 and stack.processed_by(second) > 0, stack.logs()
