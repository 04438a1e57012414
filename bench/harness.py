"""Shared plumbing of the benchmarks: Django set-up on a throwaway database, timing, tables.

The benchmarks never touch the developer's db.sqlite3: SQLite runs use a temporary file that is
deleted afterwards, PostgreSQL runs use the database `ghtraffic_bench`, created and dropped here.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
# Overridable so a smoke run in the test suite never collides with a benchmark run in progress.
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "ghtraffic_bench")


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def postgres_url(database: str = PG_DATABASE) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def _postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class BenchDatabase:
    vendor: str  # "sqlite" or "postgres"
    url: str
    path: Path | None = None


@contextmanager
def bench_database(vendor: str) -> Iterator[BenchDatabase]:
    """A fresh, empty database for one benchmark run, removed afterwards."""
    if vendor == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="ghtraffic-bench-"))
        path = directory / "bench.sqlite3"
        try:
            yield BenchDatabase("sqlite", f"sqlite:///{path}", path)
        finally:
            for leftover in directory.iterdir():
                leftover.unlink()
            directory.rmdir()
        return
    if vendor != "postgres":
        raise ValueError(vendor)
    _postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    _postgres_admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield BenchDatabase("postgres", postgres_url())
    finally:
        from django.db import connections

        connections.close_all()
        _postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def setup_django(database_url: str) -> None:
    """Configure and start Django on `database_url` (call once per process, before any model import)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ghtraffic.settings"
    # DEBUG=true only so settings load without production secrets; see `production_like()`.
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    # The test client talks to "testserver".
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    # Whitenoise warns when collectstatic has not run; irrelevant to timings.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


def production_like() -> None:
    """Stop Django's per-query logging (DEBUG) like production; CaptureQueriesContext still counts."""
    from django.conf import settings

    settings.DEBUG = False


def migrate() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def median_seconds(fn: Callable[[], object], *, repeat: int, warmup: int = 1) -> float:
    """Median wall time of `repeat` warm calls (after `warmup` untimed ones)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def median_interleaved(
    fns: Sequence[Callable[[], object] | None], *, repeat: int, warmup: int = 1
) -> list[float | None]:
    """Median wall time of each function, timed in turns (a, b, c, a, b, c…) so load spikes hit all alike."""
    for _ in range(warmup):
        for fn in fns:
            if fn is not None:
                fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for index, fn in enumerate(fns):
            if fn is None:
                continue
            started = time.perf_counter()
            fn()
            samples[index].append(time.perf_counter() - started)
    return [statistics.median(times) if times else None for times in samples]


def count_queries(fn: Callable[[], object]) -> tuple[int, list[dict[str, str]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries), list(captured.captured_queries)


@contextmanager
def recorded_statements() -> Iterator[list[tuple[str, object]]]:
    """Every (sql, params) the default connection executes inside the block, to replay them raw."""
    from django.db import connection

    statements: list[tuple[str, object]] = []

    def record(execute: Callable, sql: str, params: object, many: bool, context: dict) -> object:
        if not many:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def replay(statements: Sequence[tuple[str, object]]) -> None:
    """Run the statements over a raw cursor, fetching every row (what the ORM would have to do)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        # First column left-aligned (labels), numbers right-aligned.
        return "| " + " | ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ) + " |"

    print(f"\n### {title}\n")
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def run_per_database(script: Path, argv: Sequence[str], databases: Sequence[str]) -> int:
    """Run the script once per database in a fresh process (Django configures one database per process)."""
    status = 0
    for vendor in databases:
        if vendor == "postgres" and not postgres_reachable():
            print(f"\n## PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable: skipped.", flush=True)
            continue
        result = subprocess.run([sys.executable, str(script), *argv, "--db", vendor], cwd=ROOT, check=False)
        status = status or result.returncode
    return status


def selected_databases(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def dispatch(script: Path, argv: Sequence[str], args: Any, run: Callable[[Any], int]) -> int:
    """Shared `main` of the benchmark scripts: `--db both` re-runs the script once per database."""
    if args.db == "both":
        passthrough = [a for a in argv if a not in ("--db", "both")]
        return run_per_database(script, passthrough, selected_databases("both"))
    if args.db == "postgres" and not postgres_reachable():
        print(f"PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable.", file=sys.stderr)
        return 2
    from tenants.scoping import system_scope

    with system_scope():  # scope: benchmarks seed and read every tenant directly (system work)
        return run(args)
