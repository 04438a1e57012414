"""Smoke-sized runs of the benchmarks so they never rot: they must finish and print their tables.

No timing is asserted (the machine decides that); only that each script completes and reports
the figures it promises. Each run is a subprocess with its own throwaway database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["BENCH_PG_DATABASE"] = f"ghtraffic_bench_smoke_{os.getpid()}"
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke", "--db", _database(), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )


def _database() -> str:
    # Follow the suite: PostgreSQL when the suite runs on it (the bench makes its own database there).
    return "postgres" if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres") else "sqlite"


@pytest.mark.slow
def test_it_runs_the_query_benchmark_and_prints_its_tables() -> None:
    result = _run_bench("query.py")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "### Seeding" in result.stdout
    assert "rows/s" in result.stdout
    assert "### Queries" in result.stdout
    for case in ["API tenant traffic, 12 months, day", "API tenant traffic, 12 months, month",
                 "API repository traffic, 3 years, day"]:
        line = next(line for line in result.stdout.splitlines() if line.startswith(f"| {case}"))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        # API time, raw SQL time and their ratio are numbers, query counts are "big / small".
        assert float(cells[1]) > 0 and float(cells[3]) > 0 and float(cells[4]) > 0, line
        big, small = (int(n) for n in cells[7].split("/"))
        assert big == small, f"query count grows with repositories: {line}"


@pytest.mark.slow
def test_it_runs_the_collection_benchmark_and_prints_its_table() -> None:
    result = _run_bench("collect.py")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "### Collection" in result.stdout
    rows = {
        cells[0]: cells[1]
        for line in result.stdout.splitlines()
        if line.startswith("| ")
        for cells in [[cell.strip() for cell in line.strip().strip("|").split("|")]]
    }
    assert rows["repositories ok / failed (first run)"].startswith("4 / 0")
    # The fake server and the engine count the same requests, several per repository.
    served, counted = rows["requests served by the fake (engine counted)"].rstrip(")").split(" (")
    assert served == counted and int(served) >= 4 * 2
    assert float(rows["wall / ideal"]) > 0
    assert float(rows["speedup vs one-at-a-time"]) > 0
    # The same day again: every REST endpoint answers 304 and costs nothing; the one other request is the
    # GraphQL query that reads the 4 repositories' metadata (node ids known since the first run), no ETag.
    second = int(rows["second run same day: requests (engine counted)"].split(" (")[0])
    assert rows["answered 304"] == f"{second - 1} ({(second - 1) / second:.0%})"
    assert rows["peak RSS of the collector process, MB"]


@pytest.mark.slow
def test_it_runs_the_budget_benchmark_and_prints_its_table() -> None:
    result = _run_bench("budget.py")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {
        cells[0]: cells
        for line in result.stdout.splitlines()
        if line.startswith("| ")
        for cells in [[cell.strip() for cell in line.strip().strip("|").split("|")]]
    }
    planned, baseline = rows["planned"], rows["baseline"]
    # The planner keeps every repository collected on a budget the fixed order runs out of.
    assert planned[9] == "0" and int(baseline[9]) > 0, result.stdout[-2000:]  # never collected
    assert planned[3] == "0"  # no day lost after a repository's first collection
