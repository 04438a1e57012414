"""Container health check, for the web process or a worker. Exit 0 when healthy, 1 otherwise.

    python scripts/healthcheck.py [web|worker]

Without an argument the mode follows the container's main process: `worker` when it is `qcluster`.

web: GET /healthz on the local web process with a Host Django accepts. Plain 127.0.0.1 is usually not
in ALLOWED_HOSTS in production (Django would answer 400), so the first allowed host is sent as Host.

worker: a running django-q2 cluster on this host in django-q2's cluster status, which the Redis
broker keeps in Redis. With the ORM broker that status is local to each process, so the check falls
back to the database heartbeat every cluster's scheduler keeps (some worker ran lately).
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def web_healthy() -> bool:
    allowed = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    host = next((h.lstrip(".") for h in allowed if h != "*"), "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return response.status == 200
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return False


def cluster_running_on(host: str, stats: Iterable[Any], stopped: str = "Stopped") -> bool:
    """Whether one of django-q2's cluster statuses is a cluster of `host` that has not stopped."""
    return any(stat.host == host and str(stat.status) != stopped for stat in stats)


def worker_healthy() -> bool:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ghtraffic.settings")
    import django

    django.setup()
    from django.conf import settings
    from django_q.conf import Conf
    from django_q.status import Stat

    if "redis" in settings.Q_CLUSTER:
        healthy = cluster_running_on(socket.gethostname(), Stat.get_all(), stopped=str(Conf.STOPPED))
    else:
        from stats.collection.workers import worker_seen_recently

        healthy = worker_seen_recently()
    if not healthy:
        print("unhealthy: no running django-q2 cluster seen", file=sys.stderr)
    return healthy


def main_process_is_worker() -> bool:
    try:
        return b"qcluster" in Path("/proc/1/cmdline").read_bytes()
    except OSError:
        return False


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else ("worker" if main_process_is_worker() else "web")
    if mode not in {"web", "worker"}:
        print(f"usage: healthcheck.py [web|worker], got {mode!r}", file=sys.stderr)
        return 2
    return 0 if (worker_healthy() if mode == "worker" else web_healthy()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
