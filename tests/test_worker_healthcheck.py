"""`scripts/healthcheck.py worker`: the compose worker's health check sees a real qcluster come and go."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from django.utils import timezone
from django_q.models import Schedule

from stats.collection import workers

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "healthcheck.py"
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_counts_only_running_clusters_of_this_host():
    script = load_script()
    here = [SimpleNamespace(host="box", status="Idle")]
    assert script.cluster_running_on("box", here) is True
    assert script.cluster_running_on("other", here) is False
    assert script.cluster_running_on("box", [SimpleNamespace(host="box", status="Stopped")]) is False
    assert script.cluster_running_on("box", []) is False


def test_it_falls_back_to_the_database_heartbeat_with_the_orm_broker(db, monkeypatch):
    script = load_script()
    monkeypatch.setattr(workers.Stat, "get_all", staticmethod(lambda broker=None: []))
    Schedule.objects.filter(name=workers.HEARTBEAT_SCHEDULE_NAME).delete()
    schedule = workers.worker_heartbeat_schedule_ensure()
    assert script.main(["worker"]) == 1
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now())
    assert script.main(["worker"]) == 0


def test_it_refuses_an_unknown_mode():
    assert load_script().main(["database"]) == 2


@pytest.fixture
def redis_site(tmp_path) -> Iterator[dict[str, str]]:
    if not redis_reachable():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    name = f"healthcheck-{uuid.uuid4().hex[:8]}"
    keep = {"PATH", "HOME", "LANG", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DEBUG="false",
        SECRET_KEY="worker-healthcheck-secret-key",
        FIELD_ENCRYPTION_KEY="Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o=",
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=REDIS_URL,
        Q_NAME=name,
        Q_WORKERS="1",
        COLLECT_SCHEDULE="off",
        PYTHONUNBUFFERED="1",
    )
    yield env
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [name, *client.scan_iter(f"django_q:{name}:*")]
    client.delete(*keys)


def healthcheck(env: dict[str, str]) -> int:
    return subprocess.run([sys.executable, str(SCRIPT), "worker"], cwd=ROOT, env=env, capture_output=True,
                          timeout=60).returncode


def test_it_sees_a_running_qcluster_with_the_redis_broker_and_not_once_it_stopped(redis_site, tmp_path):
    assert healthcheck(redis_site) == 1
    log = tmp_path / "qcluster.log"
    with log.open("wb") as out:
        cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=redis_site, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "running." not in log.read_text(errors="replace"):
            assert cluster.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        assert healthcheck(redis_site) == 0, log.read_text(errors="replace")
        cluster.send_signal(signal.SIGINT)
        assert cluster.wait(timeout=30) == 0
        assert healthcheck(redis_site) == 1
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(timeout=10)
