"""Query benchmark: years of traffic, the traffic API and pages next to hand-written SQL.

    .venv/bin/python bench/query.py                 # 1,000 repos x 3 years, SQLite then PostgreSQL
    .venv/bin/python bench/query.py --db sqlite --repos 200 --repeat 3
    .venv/bin/python bench/query.py --db postgres --explain   # + EXPLAIN ANALYZE of the main aggregates
    .venv/bin/python bench/query.py --smoke         # tiny sizes (the test suite runs this)

Each figure is the median of `--repeat` warm runs. See bench/README.md for what the columns mean.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness


@dataclass
class Case:
    label: str
    request: Callable[[], object]  # the API call or page render through the test client
    raw: Callable[[], object] | None  # the same data as hand-written SQL
    selector: Callable[[], object] | None = None  # the selector(s) alone, without HTTP/serialising
    small_request: Callable[[], object] | None = None  # same call on a 10-repository tenant
    replay_pages: bool = False  # page: compare with the sum of its own data queries, replayed raw
    tenant_wide: bool = False  # reads the whole tenant: also timed without the rollups (raw tables)
    rollup_target_ms: float | None = None  # issue 16's target for the request with rollups
    rollup_min_speedup: float | None = None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repos", type=int, default=1000, help="repositories in the bench tenant (default 1000)")
    parser.add_argument("--days", type=int, default=3 * 365 + 1, help="days of history (default 3 years)")
    parser.add_argument("--repeat", type=int, default=5, help="timed warm runs per figure (median, interleaved)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE) of the main aggregates")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: proves the script works")
    args = parser.parse_args(argv)
    if args.repos < 1 or args.days < 30 or args.repeat < 1:
        parser.error("--repos and --repeat must be at least 1, --days at least 30")
    if args.smoke:
        args.repos, args.days, args.repeat = min(args.repos, 3), min(args.days, 60), 1
    return args


def _raw(sql: str, params: Sequence[object]) -> Callable[[], object]:
    def run() -> object:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def _raw_all(*queries: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        return [query() for query in queries]

    return run


def bucket_sql(vendor: str, interval: str) -> str:
    if interval == "day":
        return "d.date"
    if vendor == "postgresql":
        return f"date_trunc('{interval}', d.date)::date"
    # SQLite date modifiers: back 6 days, then forward to Monday = the Monday on or before.
    return "date(d.date, '-6 days', 'weekday 1')" if interval == "week" else "strftime('%%Y-%%m-01', d.date)"


# The twins use the fastest hand-written shape measured on both databases: the tenant's ids as an
# IN (subquery) let SQLite walk the (repository, date) index per repository; a JOIN made SQLite pick
# the (date, repository) index and run 3x slower (bench/README.md).
TENANT_IDS = "SELECT id FROM repos_repository WHERE tenant_id = %s"


def tenant_series_sql(vendor: str, interval: str) -> str:
    bucket = bucket_sql(vendor, interval)
    return (
        f"SELECT {bucket} AS bucket, SUM(d.views), SUM(d.clones) FROM stats_dailytraffic d "
        f"WHERE d.repository_id IN ({TENANT_IDS}) AND d.date BETWEEN %s AND %s GROUP BY {bucket} ORDER BY 1"
    )


REPO_TOTALS_SQL = (
    "SELECT r.id, r.owner, r.name, s.views, s.clones, s.days FROM repos_repository r LEFT JOIN ("
    "SELECT d.repository_id, SUM(d.views) AS views, SUM(d.clones) AS clones, COUNT(*) AS days "
    f"FROM stats_dailytraffic d WHERE d.repository_id IN ({TENANT_IDS}) AND d.date BETWEEN %s AND %s "
    "GROUP BY d.repository_id) s ON s.repository_id = r.id WHERE r.tenant_id = %s"
)
REPO_DAYS_SQL = (
    "SELECT date, views, unique_views, clones, unique_clones FROM stats_dailytraffic "
    "WHERE repository_id = %s AND date BETWEEN %s AND %s ORDER BY date"
)


def _get(client: object, url: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(url)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    return run


def _url_exists(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def build_cases(*, vendor: str, today: date, big: object, small: object, client: object) -> list[Case]:
    from repos.models import Repository
    from stats.traffic import selectors
    from tenants.access import TenantAccess

    access = TenantAccess.full(big)  # type: ignore[arg-type]
    year_start = today - timedelta(days=364)
    three_years_start = today - timedelta(days=3 * 365)
    cases: list[Case] = []
    for interval in ("day", "week", "month"):
        query = f"?interval={interval}&from={year_start}&to={today}"
        cases.append(
            Case(
                label=f"API tenant traffic, 12 months, {interval}",
                request=_get(client, f"/api/v1/t/{big.slug}/traffic/{query}"),  # type: ignore[attr-defined]
                small_request=_get(client, f"/api/v1/t/{small.slug}/traffic/{query}"),  # type: ignore[attr-defined]
                # The endpoint returns the series and the per-repository totals: two aggregates.
                raw=_raw_all(
                    _raw(tenant_series_sql(vendor, interval), [big.pk, year_start, today]),  # type: ignore[attr-defined]
                    _raw(REPO_TOTALS_SQL, [big.pk, year_start, today, big.pk]),  # type: ignore[attr-defined]
                ),
                selector=lambda interval=interval: (
                    selectors.tenant_traffic_series(access=access, interval=interval, start=year_start, end=today),
                    selectors.tenant_repository_totals(access=access, start=year_start, end=today),
                ),
                tenant_wide=True,
                rollup_target_ms=40.0 if interval == "day" else None,
                rollup_min_speedup=8.0 if interval == "day" else None,
            )
        )
    repository = Repository.objects.filter(tenant=big).order_by("name").first()
    small_repository = Repository.objects.filter(tenant=small).order_by("name").first()
    assert repository is not None and small_repository is not None
    query = f"?interval=day&from={three_years_start}&to={today}"
    cases.append(
        Case(
            label="API repository traffic, 3 years, day",
            request=_get(client, f"/api/v1/t/{big.slug}/repos/{repository.owner}/{repository.name}/traffic/{query}"),  # type: ignore[attr-defined]
            small_request=_get(
                client,
                f"/api/v1/t/{small.slug}/repos/{small_repository.owner}/{small_repository.name}/traffic/{query}",  # type: ignore[attr-defined]
            ),
            raw=_raw(REPO_DAYS_SQL, [repository.pk, three_years_start, today]),
            selector=lambda: selectors.repository_traffic_series(
                access=access, repository=repository, interval="day", start=three_years_start, end=today
            ),
        )
    )
    pages = [
        ("Dashboard page (default period)", f"/t/{big.slug}/", f"/t/{small.slug}/", 120.0),  # type: ignore[attr-defined]
        ("Dashboard page, 12 months", f"/t/{big.slug}/?period=12mo", f"/t/{small.slug}/?period=12mo", 150.0),  # type: ignore[attr-defined]
        (
            "Repository page (default period)",
            f"/t/{big.slug}/repos/{repository.owner}/{repository.name}/",  # type: ignore[attr-defined]
            f"/t/{small.slug}/repos/{small_repository.owner}/{small_repository.name}/",  # type: ignore[attr-defined]
            None,
        ),
    ]
    for label, url, small_url, target_ms in pages:
        if not _url_exists(url):
            print(f"(skipped: {label}: {url} is not routed yet)")
            continue
        cases.append(
            Case(label=label, request=_get(client, url), small_request=_get(client, small_url), raw=None,
                 replay_pages=True, tenant_wide=target_ms is not None, rollup_target_ms=target_ms)
        )
    return cases


def run_cases(cases: Sequence[Case], repeat: int, warmup: int) -> tuple[list[list[object]], int]:
    rows: list[list[object]] = []
    failures = 0
    for case in cases:
        try:
            rows.append(run_case(case, repeat, warmup))
        except Exception as error:  # one broken endpoint must not hide the other figures
            failures += 1
            rows.append([case.label, f"FAILED: {type(error).__name__}: {str(error)[:80]}", "", "", "", "", "", ""])
    return rows, failures


def run_case(case: Case, repeat: int, warmup: int) -> list[object]:
    queries, _ = harness.count_queries(case.request)
    small_queries = harness.count_queries(case.small_request)[0] if case.small_request else None
    raw = case.raw
    if case.replay_pages:
        # A page's twin: every statement it ran (session, membership, data…) replayed over a raw cursor.
        with harness.recorded_statements() as statements:
            case.request()

        def raw() -> None:
            harness.replay(statements)

        target = 2.0
    else:
        target = 1.5
    request_time, selector_time, raw_time = harness.median_interleaved(
        [case.request, case.selector, raw], repeat=repeat, warmup=warmup
    )
    assert request_time is not None
    measured = request_time / raw_time if raw_time else None
    verdict = "-" if measured is None else ("yes" if measured <= target else "NO")
    return [
        case.label,
        harness.ms(request_time),
        harness.ms(selector_time),
        harness.ms(raw_time),
        harness.ratio(request_time, raw_time),
        f"<= {target}",
        verdict,
        f"{queries} / {small_queries}",
    ]


def without_rollups(fn: Callable[[], object]) -> Callable[[], object]:
    """The same call with the rollups switched off: every read takes the raw DailyTraffic path."""

    def run() -> object:
        from stats.traffic import rollup_selectors

        real = rollup_selectors.uses_rollups
        rollup_selectors.uses_rollups = lambda access: False  # type: ignore[assignment]
        try:
            return fn()
        finally:
            rollup_selectors.uses_rollups = real  # type: ignore[assignment]

    return run


def traffic_read_cases(*, big: object, today: date) -> list[Case]:
    """The traffic reads alone (no session, snapshots, stars or HTML): what the rollups replace."""
    from stats.traffic import selectors
    from stats.traffic.periods import DateRange, default_interval
    from tenants.access import TenantAccess

    access = TenantAccess.full(big)  # type: ignore[arg-type]

    def dashboard_reads(days: int) -> Callable[[], object]:
        period = DateRange(start=today - timedelta(days=days - 1), end=today, interval=default_interval(days))

        def run() -> object:
            return (
                selectors.tenant_traffic_series(access=access, interval=period.interval, start=period.start,
                                                end=period.end),
                selectors.tenant_repository_totals(access=access, start=period.start, end=period.end,
                                                   previous=period.previous(),
                                                   spark_interval=default_interval(period.days), spark_limit=100),
                selectors.dashboard_cards(access=access, period=period),
            )

        return run

    year_start = today - timedelta(days=364)
    return [
        Case(label="  selector: tenant series, 12 months, day", raw=None, tenant_wide=True,
             request=lambda: selectors.tenant_traffic_series(access=access, interval="day", start=year_start,
                                                             end=today)),
        Case(label="  selector: repository totals, 12 months", raw=None, tenant_wide=True,
             request=lambda: selectors.tenant_repository_totals(access=access, start=year_start, end=today)),
        Case(label="  selectors: dashboard traffic, 30 days", raw=None, tenant_wide=True, request=dashboard_reads(30)),
        Case(label="  selectors: dashboard traffic, 12 months", raw=None, tenant_wide=True,
             request=dashboard_reads(365)),
    ]


def run_rollup_cases(cases: Sequence[Case], repeat: int, warmup: int) -> tuple[list[list[object]], int]:
    """Each tenant-wide case with the rollups and on the raw tables, timed in turns, with query counts."""
    rows: list[list[object]] = []
    failures = 0
    for case in cases:
        if not case.tenant_wide:
            continue
        try:
            raw_request = without_rollups(case.request)
            queries = harness.count_queries(case.request)[0]
            raw_queries = harness.count_queries(raw_request)[0]
            small = harness.count_queries(case.small_request)[0] if case.small_request else None
            rolled, raw = harness.median_interleaved([case.request, raw_request], repeat=repeat, warmup=warmup)
            assert rolled is not None and raw is not None
            speedup = raw / rolled if rolled else None
            wanted = []
            met = True
            if case.rollup_target_ms is not None:
                wanted.append(f"<= {case.rollup_target_ms:g} ms")
                met = met and rolled * 1000 <= case.rollup_target_ms
            if case.rollup_min_speedup is not None:
                wanted.append(f">= {case.rollup_min_speedup:g}x")
                met = met and speedup is not None and speedup >= case.rollup_min_speedup
            rows.append([case.label, harness.ms(rolled), harness.ms(raw),
                         f"{speedup:.1f}x" if speedup else "-", ", ".join(wanted) or "-",
                         ("yes" if met else "NO") if wanted else "-", f"{queries} / {small}", raw_queries])
        except Exception as error:  # one broken endpoint must not hide the other figures
            failures += 1
            rows.append([case.label, f"FAILED: {type(error).__name__}: {str(error)[:80]}", "", "", "", "", "", ""])
    return rows, failures


def explain(*, vendor: str, today: date, big: object, repository_name: str) -> None:
    """Print the plans of the ORM's own SQL for the main aggregates (captured, then EXPLAINed)."""
    from django.db import connection

    from repos.models import Repository
    from stats.traffic import selectors
    from tenants.access import TenantAccess

    access = TenantAccess.full(big)  # type: ignore[arg-type]
    year_start = today - timedelta(days=364)
    repository = Repository.objects.get(tenant=big, name=repository_name)
    probes: list[tuple[str, Callable[[], object]]] = [
        ("tenant series, 12 months, day", lambda: selectors.tenant_traffic_series(
            access=access, interval="day", start=year_start, end=today)),
        ("tenant series, 12 months, month", lambda: selectors.tenant_traffic_series(
            access=access, interval="month", start=year_start, end=today)),
        ("per-repository totals, 12 months", lambda: selectors.tenant_repository_totals(
            access=access, start=year_start, end=today)),
        ("repository series, 3 years, day", lambda: selectors.repository_traffic_series(
            access=access, repository=repository, interval="day", start=today - timedelta(days=3 * 365), end=today)),
    ]
    prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for label, probe in probes:
        with harness.recorded_statements() as statements:
            probe()
        for sql, params in statements:
            if "stats_dailytraffic" not in sql:
                continue
            print(f"\n#### {label}\n\n```sql\n{sql}\n```\n\n```")
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql, params)
                for row in cursor.fetchall():
                    print(row[0] if vendor == "postgresql" else " ".join(str(c) for c in row))
            print("```")


def run(args: argparse.Namespace) -> int:
    with harness.bench_database(args.db) as database:
        harness.setup_django(database.url)
        from django.db import connection
        from django.test import Client

        from bench import seed

        title = "PostgreSQL" if database.vendor == "postgres" else "SQLite"
        print(f"\n## {title}: {args.repos} repositories x {args.days} days "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
        migrate_seconds = harness.migrate()
        harness.production_like()
        today = date.today()
        user = seed.bench_user()
        big_report = seed.seed_tenant(slug="bench", repositories=args.repos, days=args.days, today=today, user=user)
        small_report = seed.seed_tenant(slug="bench-small", repositories=min(10, args.repos), days=args.days,
                                        today=today, user=user)
        from stats.collection.rollups import rollups_rebuild
        from tenants.models import Tenant

        started = time.perf_counter()
        # Seeding writes DailyTraffic with COPY, around the collection: build the rollups as an import must.
        rollups_rebuild(tenant_ids=list(Tenant.objects.filter(slug__in=["bench", "bench-small"])
                                        .values_list("pk", flat=True)))
        rollup_seconds = time.perf_counter() - started
        from stats.models import LatestSnapshot, RepositoryMonthlyRollup, RepositoryWeeklyRollup, TenantDailyRollup

        rollup_rows = sum(model.objects.count() for model in (TenantDailyRollup, RepositoryMonthlyRollup,
                                                              RepositoryWeeklyRollup, LatestSnapshot))
        analyze_seconds = seed.analyze()
        harness.print_table(
            f"Seeding ({title}; migrate {migrate_seconds:.1f} s, ANALYZE {analyze_seconds:.1f} s)",
            ["table", "rows", "seconds", "rows/s"],
            [
                *[[name, f"{count:,}", "", ""] for name, count in big_report.rows.items()],
                ["all (bench tenant)", f"{big_report.total_rows:,}", f"{big_report.seconds:.1f}",
                 f"{big_report.rows_per_second:,.0f}"],
                ["all (10-repository tenant)", f"{small_report.total_rows:,}", f"{small_report.seconds:.1f}",
                 f"{small_report.rows_per_second:,.0f}"],
                ["rollups rebuilt (both tenants)", f"{rollup_rows:,}", f"{rollup_seconds:.1f}", ""],
            ],
        )

        big = Tenant.objects.get(slug="bench")
        small = Tenant.objects.get(slug="bench-small")
        client = Client()
        client.force_login(user)
        cases = build_cases(vendor=connection.vendor, today=today, big=big, small=small, client=client)
        rows, failures = run_cases(cases, repeat=args.repeat, warmup=0 if args.smoke else 1)
        harness.print_table(
            f"Queries ({title}, median of {args.repeat} warm runs, ms)",
            ["case", "API/page", "selector", "raw SQL", "ratio", "target", "met", "queries (1000 / 10 repos)"
             .replace("1000", f"{args.repos}")],
            rows,
        )
        rollup_rows_table, rollup_failures = run_rollup_cases([*cases, *traffic_read_cases(big=big, today=today)],
                                                              repeat=args.repeat,
                                                              warmup=0 if args.smoke else 1)
        failures += rollup_failures
        harness.print_table(
            f"Tenant-wide reads: rollups vs raw tables ({title}, median of {args.repeat} warm runs, ms)",
            ["case", "with rollups", "raw tables", "speed-up", "target (issue 16)", "met",
             f"queries ({args.repos} / 10 repos)", "queries raw"],
            rollup_rows_table,
        )
        if args.explain:
            print(f"\n### Plans ({title})")
            explain(vendor=connection.vendor, today=today, big=big, repository_name="repo-00000")
        connection.close()
    return 1 if failures else 0


def main(argv: Sequence[str]) -> int:
    return harness.dispatch(Path(__file__), argv, parse_args(argv), run)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
