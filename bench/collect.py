"""Collection benchmark: the engine against the fake GitHub with a per-request latency.

    .venv/bin/python bench/collect.py                     # 500 repos, 50 ms, concurrency 16, SQLite then PostgreSQL
    .venv/bin/python bench/collect.py --db sqlite --repos 5000    # peak memory at 5,000 repositories
    .venv/bin/python bench/collect.py --db postgres --workers 2   # + two django-q2 worker processes vs one
    .venv/bin/python bench/collect.py --smoke             # tiny sizes (the test suite runs this)

The fake GitHub runs in its own process (bench/fake_server.py) so its CPU and memory are not
charged to the collector. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

TOKEN = "ghp_benchmarktoken0000000000000000000000"
OWNER = "bench-org"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repos", type=int, default=500, help="repositories in the tenant (default 500)")
    parser.add_argument("--latency", type=float, default=50.0, help="fake GitHub latency per request, ms")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel requests of the engine")
    parser.add_argument("--naive-repos", type=int, default=10, help="repositories the one-at-a-time collector does")
    parser.add_argument("--workers", type=int, default=0,
                        help="also run the collection through N django-q2 qcluster processes (and 1 for reference)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="repositories per queued task with --workers (default: COLLECT_BATCH_SIZE)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves the script works")
    args = parser.parse_args(argv)
    if min(args.repos, args.concurrency, args.naive_repos) < 1 or args.latency < 0 or args.workers < 0:
        parser.error("--repos, --concurrency, --naive-repos must be at least 1; --latency, --workers not negative")
    if args.smoke:
        args.repos, args.naive_repos, args.latency = min(args.repos, 4), 1, min(args.latency, 5.0)
        args.batch_size = args.batch_size or 2
    args.naive_repos = min(args.naive_repos, args.repos)
    return args


# --- The fake GitHub, in its own process -----------------------------------------------------


@dataclass
class FakeStats:
    requests: int
    not_modified: int
    remaining: int

    def __sub__(self, other: FakeStats) -> FakeStats:
        return FakeStats(self.requests - other.requests, self.not_modified - other.not_modified,
                         other.remaining - self.remaining)


@dataclass
class FakeProcess:
    process: subprocess.Popen[str]
    url: str

    def stats(self) -> FakeStats:
        """What the server counted so far (a difference of two: requests, 304s, budget spent)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return FakeStats(**json.loads(self.process.stdout.readline()))

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_fake(*, repos: int, latency_ms: float, rate_limit: int) -> FakeProcess:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fake_server.py")), "--repos", str(repos), "--owner", OWNER,
         "--latency", str(latency_ms), "--token", TOKEN, "--rate-limit", str(rate_limit)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=harness.ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("http"):
        process.kill()
        raise RuntimeError(f"the fake GitHub did not start: {line!r}")
    return FakeProcess(process, line)


# --- The database side -------------------------------------------------------------------------


def create_tenant(*, slug: str, repos: int, api_url: str) -> object:
    from repos.models import Repository
    from tenants.crypto import encrypt_secret
    from tenants.models import GitHubCredential, Tenant

    tenant = Tenant.objects.create(slug=slug, name=f"Bench {slug}")
    GitHubCredential.objects.create(
        tenant=tenant, token_encrypted=encrypt_secret(TOKEN), token_last4=TOKEN[-4:], api_url=api_url
    )
    Repository.objects.bulk_create(
        [Repository(tenant=tenant, owner=OWNER, name=f"repo-{i:05d}", github_id=20_000_000 + i) for i in range(repos)],
        batch_size=1000,
    )
    return tenant


@dataclass
class RunFigures:
    wall: float
    status: str
    repos_ok: int
    repos_failed: int
    requests: int
    not_modified: int
    rate_limit_remaining: int | None
    days_stored: int
    first_error: str = ""
    startup: float | None = None  # seconds from queuing to the first claimed item (worker start-up)


def collect_inline(*, tenant: object, concurrency: int) -> RunFigures:
    from stats.collection import services
    from stats.models import CollectionRun

    run = services.collection_run_start(tenant=tenant, trigger=CollectionRun.Trigger.COMMAND)
    started = time.perf_counter()
    run = services.collection_run_execute(run=run, concurrency=concurrency)
    wall = time.perf_counter() - started
    return _figures(run, wall)


def _figures(run: object, wall: float) -> RunFigures:
    from django.db.models import Max, Min

    failed = run.items.exclude(status="ok").exclude(error="").values_list("error", flat=True)  # type: ignore[attr-defined]
    times = run.items.aggregate(first=Min("claimed_at"), last=Max("finished_at"))  # type: ignore[attr-defined]
    return RunFigures(
        startup=(times["first"] - run.created).total_seconds() if times["first"] else None,  # type: ignore[attr-defined]
        first_error=(failed.first() or "")[:100],
        wall=wall,
        status=run.status,  # type: ignore[attr-defined]
        repos_ok=run.repos_ok,  # type: ignore[attr-defined]
        repos_failed=run.repos_failed,  # type: ignore[attr-defined]
        requests=run.api_requests,  # type: ignore[attr-defined]
        not_modified=run.not_modified,  # type: ignore[attr-defined]
        rate_limit_remaining=run.rate_limit_remaining,  # type: ignore[attr-defined]
        days_stored=run.days_stored,  # type: ignore[attr-defined]
    )


@dataclass
class StoreCost:
    without: list[float]  # seconds of `repository_store` per repository, rollup maintenance off
    with_: list[float]  # the same, on
    days: int


def store_cost(*, tenant: object, concurrency: int) -> StoreCost:
    """One first collection (every day new), timing each `repository_store` (its whole transaction).

    Rollup maintenance is switched on for every other repository (by id parity), so repositories with
    and without it are stored in turns in the same run and a load spike hits both alike.
    """
    from stats.collection import rollups as rollups_module
    from stats.collection import services

    times: dict[bool, list[float]] = {False: [], True: []}
    real_store, real_apply = services.repository_store, rollups_module.daily_changes_apply
    real_note = rollups_module.latest_snapshot_note
    maintain = [True]

    def timed_store(**kwargs: object) -> None:
        maintain[0] = kwargs["fetched"].target.repository_id % 2 == 0  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            real_store(**kwargs)  # type: ignore[arg-type]
        finally:
            times[maintain[0]].append(time.perf_counter() - started)

    def apply(**kwargs: object) -> None:
        if maintain[0]:
            real_apply(**kwargs)  # type: ignore[arg-type]

    def note(**kwargs: object) -> None:  # the latest-snapshot pointer is rollup maintenance too
        if maintain[0]:
            real_note(**kwargs)  # type: ignore[arg-type]

    services.repository_store = timed_store  # type: ignore[assignment]
    rollups_module.daily_changes_apply = apply  # type: ignore[assignment]
    rollups_module.latest_snapshot_note = note  # type: ignore[assignment]
    try:
        figures = collect_inline(tenant=tenant, concurrency=concurrency)
    finally:
        services.repository_store, rollups_module.daily_changes_apply = real_store, real_apply
        rollups_module.latest_snapshot_note = real_note  # type: ignore[assignment]
    return StoreCost(times[False], times[True], figures.days_stored)


# --- The naive collector: one request after another ----------------------------------------


def naive_endpoints(owner: str, name: str) -> list[str]:
    """The same GitHub endpoints the engine asks for one repository, without conditional requests."""
    base = f"/repos/{owner}/{name}"
    return [
        base,
        f"{base}/traffic/views",
        f"{base}/traffic/clones",
        f"{base}/traffic/views?per=week",
        f"{base}/traffic/clones?per=week",
        f"{base}/traffic/popular/referrers",
        f"{base}/traffic/popular/paths",
    ]


def collect_naively(*, api_url: str, repos: int) -> tuple[float, int]:
    """(seconds, requests) for `repos` repositories fetched strictly one request after another."""
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    count = 0
    started = time.perf_counter()
    for index in range(repos):
        for path in naive_endpoints(OWNER, f"repo-{index:05d}"):
            response = requests.get(api_url + path, headers=headers, timeout=30)
            response.json()
            count += 1
    return time.perf_counter() - started, count


# --- Workers ------------------------------------------------------------------------------------


def collect_with_workers(*, tenant: object, workers: int, database_url: str, concurrency: int, batch_size: int,
                         timeout: float) -> RunFigures:
    """Queue a run, start `workers` qcluster processes (1 worker each), wait for the run, stop them (SIGINT)."""
    from django.conf import settings

    from stats.collection import scheduling
    from stats.models import CollectionRun

    settings.COLLECT_BATCH_SIZE = batch_size  # the run is cut into tasks here, in this process

    run, message = scheduling.collection_request(tenant=tenant, trigger=CollectionRun.Trigger.COMMAND)
    if run is None:
        raise RuntimeError(f"no run queued: {message}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "Q_WORKERS": "1",
        "REDIS_URL": "",  # the ORM broker in the bench database: nothing shared with other processes
        "COLLECT_CONCURRENCY": str(concurrency),
        "COLLECT_BATCH_SIZE": str(batch_size),
        "LOG_LEVEL": "WARNING",
        # Workers run like production (no per-query logging); the token key is the one this process used.
        "DEBUG": "false",
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "STATIC_MANIFEST": "false",
        "SECURE_SSL_REDIRECT": "false",
    }
    started = time.perf_counter()
    clusters = [
        subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=harness.ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        while True:
            run.refresh_from_db()
            if not run.is_active:
                break
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"run {run.pk} still {run.status} after {timeout:.0f} s")
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        for cluster in clusters:
            cluster.send_signal(signal.SIGINT)  # qcluster hangs on SIGTERM
        for cluster in clusters:
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cluster.kill()
                cluster.wait()
    return _figures(run, wall)


# --- The benchmark ------------------------------------------------------------------------------


STORE_ROUNDS = 2


def print_store_costs(title: str, costs: list[StoreCost]) -> None:
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000 if values else 0.0

    rows = []
    for round_, cost in enumerate(costs, 1):
        without, with_ = ms(cost.without), ms(cost.with_)
        rows.append([f"round {round_}", f"{without:.2f}", f"{with_:.2f}",
                     f"{(with_ - without) / without:+.0%}" if without else "-", len(cost.without) + len(cost.with_)])
    without = ms([value for cost in costs for value in cost.without])
    with_ = ms([value for cost in costs for value in cost.with_])
    extra = (with_ - without) / without if without else 0.0
    rows.append(["all rounds", f"{without:.2f}", f"{with_:.2f}", f"{extra:+.0%} (target <= +15%: "
                 f"{'yes' if extra <= 0.15 else 'NO'})", sum(len(c.without) + len(c.with_) for c in costs)])
    harness.print_table(
        f"Store transaction per repository, first collection ({title}; median ms, rollups on every other "
        "repository of the same run)",
        ["run", "without rollups", "with rollups", "rollups add", "repositories"],
        rows,
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run(args: argparse.Namespace) -> int:
    latency = args.latency / 1000
    with harness.bench_database(args.db) as database:
        os.environ["COLLECT_CONCURRENCY"] = str(args.concurrency)
        harness.setup_django(database.url)
        from django.db import connection

        title = "PostgreSQL" if database.vendor == "postgres" else "SQLite"
        print(f"\n## {title}: {args.repos} repositories, latency {args.latency:g} ms, "
              f"concurrency {args.concurrency} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
              flush=True)
        harness.migrate()
        harness.production_like()
        from django.conf import settings

        args.batch_size = args.batch_size or settings.COLLECT_BATCH_SIZE
        # GitHub's 5,000/hour, or more when the runs need more (one token serves every run here:
        # 7 requests per repository and run; 5,000 repositories ≈ 35,000 requests per run).
        runs = 2 + STORE_ROUNDS + (len({1, args.workers}) if args.workers else 0)
        rate_limit = max(5000, 10 * args.repos * runs)
        fake = start_fake(repos=args.repos, latency_ms=args.latency, rate_limit=rate_limit)
        worker_rows: list[tuple[int, RunFigures]] = []
        try:
            # The fake is the server's own GitHub (GITHUB_API_URL): a tenant override may not reach 127.0.0.1.
            settings.GITHUB_API_URL = os.environ["GITHUB_API_URL"] = fake.url
            tenant = create_tenant(slug="bench", repos=args.repos, api_url="")
            rss_before = peak_rss_mb()
            at_start = fake.stats()
            first = collect_inline(tenant=tenant, concurrency=args.concurrency)
            after_first = fake.stats()
            second = collect_inline(tenant=tenant, concurrency=args.concurrency)
            after_second = fake.stats()
            rss_after = peak_rss_mb()
            naive_seconds, naive_requests = collect_naively(api_url=fake.url, repos=args.naive_repos)
            # Rollup maintenance's write cost: fresh tenants (every day new), with and without in turns.
            costs = [
                store_cost(tenant=create_tenant(slug=f"bench-s{round_}", repos=args.repos, api_url=fake.url),
                           concurrency=args.concurrency)
                for round_ in range(STORE_ROUNDS)
            ]
            if args.workers:
                for count in sorted({1, args.workers}):
                    workers_tenant = create_tenant(slug=f"bench-w{count}", repos=args.repos, api_url="")
                    worker_rows.append((count, collect_with_workers(
                        tenant=workers_tenant, workers=count, database_url=database.url,
                        concurrency=args.concurrency, batch_size=args.batch_size, timeout=300)))
        finally:
            fake.stop()
        served_first = after_first - at_start
        served_second = after_second - after_first
        # The engine runs one repository per thread: fewer repositories than threads cannot use them all.
        ideal = served_first.requests * latency / min(args.concurrency, args.repos)
        naive_scaled = naive_seconds / args.naive_repos * args.repos
        share_304 = served_second.not_modified / served_second.requests if served_second.requests else 0.0

        def verdict(ok: bool) -> str:
            return "yes" if ok else "NO"

        harness.print_table(
            f"Collection ({title})",
            ["figure", "value", "target", "met"],
            [
                ["repositories ok / failed (first run)", f"{first.repos_ok} / {first.repos_failed} ({first.status})",
                 "", first.first_error],
                ["requests served by the fake (engine counted)", f"{served_first.requests} ({first.requests})", "", ""],
                ["wall time, s", f"{first.wall:.2f}", "", ""],
                [f"ideal bound = requests x {args.latency:g} ms / {min(args.concurrency, args.repos)}, s",
                 f"{ideal:.2f}", "", ""],
                ["wall / ideal", harness.ratio(first.wall, ideal), "<= 1.3",
                 verdict(bool(ideal) and first.wall <= 1.3 * ideal)],
                [f"one-at-a-time: {args.naive_repos} repos, {naive_requests} requests, s", f"{naive_seconds:.2f}",
                 "", ""],
                [f"  scaled to {args.repos} repos, s", f"{naive_scaled:.1f}", "", ""],
                ["speedup vs one-at-a-time", harness.ratio(naive_scaled, first.wall), ">= 10",
                 verdict(naive_scaled >= 10 * first.wall)],
                ["days stored (first run)", first.days_stored, "", ""],
                ["rate-limit budget used (first run)", served_first.remaining, "", ""],
                ["second run same day: requests (engine counted)",
                 f"{served_second.requests} ({second.requests})", "", ""],
                ["  answered 304", f"{served_second.not_modified} ({share_304:.0%})", ">= 90%",
                 verdict(share_304 >= 0.9)],
                ["  rate-limit budget used", f"{served_second.remaining} "
                 f"({harness.ratio(served_second.remaining, served_first.remaining)} of the first run)", "<= 0.10",
                 verdict(served_first.remaining > 0 and served_second.remaining <= 0.1 * served_first.remaining)],
                ["  wall time, s", f"{second.wall:.2f}", "", ""],
                ["peak RSS of the collector process, MB", f"{rss_after:.0f} (before the runs {rss_before:.0f})",
                 "< 300 at 5,000 repos", verdict(rss_after < 300) if args.repos >= 5000 else "-"],
            ],
        )
        print_store_costs(title, costs)
        if worker_rows:
            base = worker_rows[0][1]
            harness.print_table(
                f"django-q2 workers ({title}, batches of {args.batch_size}, ORM broker)",
                ["qcluster processes", "wall, s", "repos ok", "requests", "repos/s", "vs 1 worker", "start-up, s",
                 "first error"],
                [
                    [count, f"{figures.wall:.2f}", figures.repos_ok, figures.requests,
                     f"{figures.repos_ok / figures.wall:.1f}" if figures.wall else "-",
                     harness.ratio(figures.repos_ok / figures.wall, base.repos_ok / base.wall)
                     if figures.wall and base.wall and base.repos_ok else "-",
                     f"{figures.startup:.1f}" if figures.startup is not None else "-", figures.first_error or "-"]
                    for count, figures in worker_rows
                ],
            )
        print(f"\n(finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
        connection.close()
        failed = first.repos_failed + second.repos_failed + sum(f.repos_failed for _, f in worker_rows)
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    return harness.dispatch(Path(__file__), argv, parse_args(argv), run)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
