"""Load test: N concurrent clients for D seconds against the API and the dashboard, served by gunicorn.

    .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--workers 3] [--json out.json]

What it does, end to end:
1. (re)creates the PostgreSQL database `ghtraffic_load`, migrates it and runs `manage.py seed_demo`
   (a tenant with 6 repositories and a year of traffic), and gives the demo user an API token;
2. starts gunicorn on a random free loopback port (DEBUG off, as in production);
3. runs the clients (threads with one requests.Session each): half use the API with token auth,
   half log in with a password and browse the dashboard, repository pages and traffic tables;
4. prints requests, throughput, errors (anything but HTTP 200 counts) and p50/p95/p99 latency,
   overall and per endpoint; stops gunicorn and drops the database.

Exit status: 0 when no request failed, 1 otherwise. The client runs on the same 2-core machine as
the server, so the figures are a floor for what the server does on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
DATABASE = "ghtraffic_load"
TENANT = "demo"
USERNAME = "demo"
PASSWORD = "demo-password"
# A Fernet key used only by this throwaway install.
FERNET_KEY = "Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o="


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def server_environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "load-test-secret-key-not-for-production",
            "FIELD_ENCRYPTION_KEY": FERNET_KEY,
            "DATABASE_URL": f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DATABASE}",
            # Persistent connections, as a production deployment would configure.
            "DB_CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS redirect, cookies usable over http.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "STATIC_MANIFEST": "false",
            "LOG_LEVEL": "WARNING",
            # Every client logs in from 127.0.0.1; only failures are throttled, but be generous.
            "LOGIN_FAILURE_LIMIT": "1000",
            "LOGIN_FAILURE_LIMIT_PER_ADDRESS": "1000",
            "REDIS_URL": "",
        }
    )
    return env


def prepare_database(env: dict[str, str]) -> str:
    """Fresh database with the demo data; returns the demo user's API token."""
    postgres_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    postgres_admin(f"CREATE DATABASE {DATABASE}")

    def manage(*args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    manage("migrate", "--noinput", "-v", "0")
    print(manage("seed_demo").strip().splitlines()[0])
    # "Generated token <key> for user <name>"
    output = manage("drf_create_token", USERNAME)
    return output.strip().splitlines()[-1].split()[2]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    process = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", "ghtraffic.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "4",
            "--timeout", "60", "--graceful-timeout", "10",
            "--access-logfile", "-",
        ],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log}")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if error:
                self.errors[name] += 1
                if len(self.error_samples) < 10 and f"{name}: {error}" not in self.error_samples:
                    self.error_samples.append(f"{name}: {error}")


YEAR_AGO = (date.today() - timedelta(days=364)).isoformat()
REPOSITORIES = ["octo-labs/rocket-sdk", "octo-labs/nebula-ui", "octo-labs/docs", "octo-labs/comet-action"]


def api_requests(base: str) -> list[tuple[str, str, float]]:
    """(name, url, weight) of the API mix."""
    api = f"{base}/api/v1/t/{TENANT}"
    repo = random.choice(REPOSITORIES)
    interval = random.choice(["day", "week", "month"])
    return [
        ("api tenant traffic", f"{api}/traffic/?interval={interval}", 3),
        ("api tenant traffic 1y", f"{api}/traffic/?interval=month&from={YEAR_AGO}", 1),
        ("api repo traffic", f"{api}/repos/{repo}/traffic/?interval={interval}", 4),
        ("api repo traffic csv", f"{api}/repos/{repo}/traffic/?format=csv", 1),
        ("api referrers", f"{api}/repos/{repo}/referrers/", 1),
        ("api paths", f"{api}/repos/{repo}/paths/", 1),
        ("api stars", f"{api}/repos/{repo}/stars/", 1),
        ("api repos", f"{api}/repos/", 2),
    ]


def page_requests(base: str) -> list[tuple[str, str, float]]:
    page = f"{base}/t/{TENANT}"
    repo = random.choice(REPOSITORIES)
    period = random.choice(["7d", "30d", "90d", "12mo"])
    return [
        ("page dashboard", f"{page}/?period={period}", 4),
        ("page repository", f"{page}/repos/{repo}/?period={period}", 3),
        ("page traffic tables", f"{page}/traffic/?period={period}", 1),
        ("page repositories", f"{page}/repos/", 1),
    ]


def login(session: requests.Session, base: str) -> None:
    session.get(f"{base}/accounts/login/", timeout=30)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")


def client_loop(
    number: int, base: str, token: str, stop_at: float, results: Results, mix: Callable[[str], list]
) -> None:
    session = requests.Session()
    if mix is api_requests:
        session.headers["Authorization"] = f"Token {token}"
    else:
        started = time.perf_counter()
        try:
            login(session, base)
            results.record("login", time.perf_counter() - started, None)
        except Exception as error:  # every failure is counted, none may pass silently
            results.record("login", time.perf_counter() - started, str(error))
            return
    rng = random.Random(number)
    while time.monotonic() < stop_at:
        choices = mix(base)
        name, url, _ = rng.choices(choices, weights=[weight for *_, weight in choices])[0]
        started = time.perf_counter()
        error = None
        try:
            response = session.get(url, timeout=30, allow_redirects=False)
            response.content  # noqa: B018 - read the whole body, as a browser would
            if response.status_code != 200:
                error = f"HTTP {response.status_code} {url}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} {url}"
        results.record(name, time.perf_counter() - started, error)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(results: Results, duration: float) -> dict[str, object]:
    rows = {}
    every: list[float] = []
    for name in sorted(results.latencies):
        values = results.latencies[name]
        if name != "login":
            every.extend(values)
        rows[name] = {
            "requests": len(values),
            "errors": results.errors.get(name, 0),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        }
    errors = sum(results.errors.values())
    return {
        "requests": len(every),
        "errors": errors,
        "throughput_rps": round(len(every) / duration, 1),
        "p50_ms": round(percentile(every, 0.50) * 1000, 1),
        "p95_ms": round(percentile(every, 0.95) * 1000, 1),
        "p99_ms": round(percentile(every, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(every) * 1000, 1) if every else 0.0,
        "endpoints": rows,
        "error_samples": results.error_samples,
    }


def print_summary(summary: dict[str, object], clients: int, duration: float, workers: int) -> None:
    print(
        f"\n{clients} clients for {duration:.0f} s against gunicorn ({workers} gthread workers x 4 threads), "
        "PostgreSQL, demo data"
    )
    print(f"{'endpoint':<24}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, row in summary["endpoints"].items():  # type: ignore[union-attr]
        print(
            f"{name:<24}{row['requests']:>9}{row['errors']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
        )
    print(
        f"{'ALL (excl. login)':<24}{summary['requests']:>9}{summary['errors']:>8}{summary['p50_ms']:>9}"
        f"{summary['p95_ms']:>9}{summary['p99_ms']:>9}"
    )
    print(f"throughput: {summary['throughput_rps']} requests/s, mean latency {summary['mean_ms']} ms")
    for sample in summary["error_samples"]:  # type: ignore[union-attr]
        print(f"  error: {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3: 2 cores)")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON to this file")
    parser.add_argument("--keep-database", action="store_true", help="do not drop ghtraffic_load at the end")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("--clients, --duration and --workers must be positive")

    port = free_port()
    env = server_environment(port)
    started = time.monotonic()
    token = prepare_database(env)
    print(f"database ready in {time.monotonic() - started:.1f} s")
    log = Path(tempfile.mkstemp(prefix="ghtraffic-gunicorn-", suffix=".log")[1])
    server = start_gunicorn(env, port, args.workers, log)
    base = f"http://127.0.0.1:{port}"
    try:
        results = Results()
        stop_at = time.monotonic() + args.duration
        threads = [
            threading.Thread(
                target=client_loop,
                args=(number, base, token, stop_at, results, api_requests if number % 2 == 0 else page_requests),
                daemon=True,
            )
            for number in range(args.clients)
        ]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 60)
        measured = time.monotonic() - load_started
    finally:
        stop_gunicorn(server)
        if not args.keep_database:
            postgres_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    server_errors = len(re.findall(r'" 5\d\d ', log.read_text(errors="replace")))
    summary = summarise(results, measured)
    summary.update({"clients": args.clients, "duration_s": args.duration, "gunicorn_5xx_logged": server_errors})
    print_summary(summary, args.clients, measured, args.workers)
    print(f"gunicorn access log: {log} ({server_errors} responses 5xx)")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0 if summary["errors"] == 0 and server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
