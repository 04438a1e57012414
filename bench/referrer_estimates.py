"""Referrer/path period estimates at scale: the tenant-wide panel read from daily snapshots.

    .venv/bin/python bench/referrer_estimates.py --repos 1000 --days 100     # SQLite
    .venv/bin/python bench/referrer_estimates.py --db postgres

Seeds one tenant with a DAILY top-10 referrer snapshot per repository (the real collection's shape,
unlike bench/query.py's weekly ones), then times the dashboard's estimated panel against the latest
snapshot panel it replaced, side by side (medians of warm runs), with their query counts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

TODAY = date(2026, 11, 20)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with harness.bench_database(args.db) as database:
        harness.setup_django(database.url)
        harness.migrate()
        harness.production_like()
        return run(args)


def run(args: argparse.Namespace) -> int:
    from bench.seed import REFERRERS, _snapshot_rows, bench_user, bulk_insert, seed_tenant
    from stats.models import ReferrerSnapshot
    from stats.traffic import estimate_selectors, snapshot_selectors
    from tenants.access import TenantAccess
    from tenants.models import Role
    from tenants.scoping import system_scope

    with system_scope():  # scope: a benchmark reading its own throwaway tenant
        report = seed_tenant(slug="bench", repositories=args.repos, days=30, today=TODAY, user=bench_user())
        ReferrerSnapshot.objects.all().delete()
        from repos.models import Repository

        repo_ids = list(Repository.objects.order_by("name").values_list("pk", flat=True))
        days = [TODAY - timedelta(days=n) for n in range(args.days)][::-1]
        rows = bulk_insert(ReferrerSnapshot, ["repository_id", "date", "referrer", "count", "uniques"],
                           _snapshot_rows(repo_ids, days, REFERRERS, titled=False))
        print(f"seeded {args.repos} repositories, {rows:,} daily referrer rows ({report.seconds:.0f} s + inserts)")
        access = TenantAccess(tenant=Repository.objects.first().tenant, role=Role.ADMIN)
        table = []
        for period in (7, 30, 90):
            start = TODAY - timedelta(days=period - 1)

            def latest(start: date = start) -> object:
                return snapshot_selectors.top_referrers(access=access, start=start, end=TODAY)

            def estimated(start: date = start) -> object:
                return estimate_selectors.period_top(access=access, kind="referrers", start=start, end=TODAY)

            def pairs(start: date = start) -> object:  # the estimate's first query alone
                return list(ReferrerSnapshot.objects.filter(
                    repository__in=access.repositories(), date__gte=start, date__lte=TODAY
                ).values_list("repository_id", "date").distinct())

            old, new, first = harness.median_interleaved([latest, estimated, pairs], repeat=args.repeat)
            table.append([f"{period} days", harness.ms(old), harness.ms(new), harness.ms(first),
                          harness.ratio(new, old),
                          harness.count_queries(latest)[0], harness.count_queries(estimated)[0]])
        harness.print_table(
            f"Top referrers panel, {args.repos} repositories, {args.db}",
            ["period", "latest snapshot", "estimated", "(its dates query)", "ratio", "queries (latest)",
             "queries (estimated)"], table,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
