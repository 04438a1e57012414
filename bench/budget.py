"""Budget benchmark: the real collection engine against the fake GitHub over simulated weeks.

Every case runs the same engine, database and fake GitHub; only the plan differs:
- **planned**: hourly scheduled ticks (the default schedule), each spending what the hourly budget
  allows, most at-risk first (stats.collection.planner);
- **baseline**: the engine before planning — one daily run of every endpoint of every repository in
  a fixed order, stopped by the rate limit (what was lost before the planner existed).
Dates are injected with time-machine: GitHub's hourly budget windows and rolling traffic windows move
with the simulated clock, so 60 days take minutes. Printed: requests per repository-day, complete
days lost (fell out of GitHub's window unstored), complete weeks without GitHub's weekly uniques,
repositories with a referrer snapshot gap over 14 days, the worst age of a day series, plan modes.

    .venv/bin/python bench/budget.py --db sqlite                   # 2,000 repos, 100 requests/hour, 60 days
    .venv/bin/python bench/budget.py --repos 400 --budget 20 --days 30 --db sqlite   # same ratio, faster
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, dispatch, migrate, print_table, production_like, setup_django

TOKEN = "ghp_BENCHBUDGET0123456789abcdefABCDEF"
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--repos", type=int, default=2000, help="repositories followed (default 2,000)")
    parser.add_argument("--budget", type=int, default=100, help="requests per hour (default 100)")
    parser.add_argument("--ample", type=int, default=0,
                        help="also run the planned case with this hourly budget (e.g. 20000: covers everything)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the fixed-order baseline")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves the script works")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repos, args.budget, args.days, args.ample = 6, 14, 3, 0
    if min(args.repos, args.budget, args.days) < 1:
        parser.error("--repos, --budget and --days must be at least 1")
    return args


@dataclass
class Figures:
    case: str
    requests: int
    days_lost: int  # after the repository's first collection: what the steady state loses
    backlog_lost: int  # before it: GitHub's 14 days that fell out while the backlog of new repositories waited
    repos_losing_days: int
    weeks_lost: int
    popular_gaps: int
    worst_age: int | None  # days; None: some repository was never collected
    never_collected: int
    modes: Counter[str]
    wall: float
    graphql: int = 0  # GraphQL queries (GraphQL's own budget: metadata of up to 100 repositories each)


def _fixed_order_plan(**kwargs: object) -> object:
    """The engine before the planner: every endpoint of every repository, by name."""
    from repos.models import Repository
    from stats.collection import planner

    tenant = kwargs["tenant"]
    repos = sorted(Repository.objects.filter(tenant=tenant, active=True), key=lambda r: r.full_name.lower())
    planned = [planner.PlannedRepository(r.pk, r.full_name, planner.ALL_GROUPS, planner.REQUESTS_PER_REPOSITORY, 0)
               for r in repos]
    return planner.Plan(mode=planner.Mode.FULL, repositories=planned,
                        requests_planned=planner.REQUESTS_PER_REPOSITORY * len(repos),
                        requests_for_freshness=0, requests_for_floor=0, budget=None)


def simulate(*, case: str, repos: int, budget: int, days: int, baseline: bool) -> Figures:
    import time_machine
    from django.conf import settings

    from devtools.fake_github import FakeGitHub
    from repos.models import Repository
    from stats.collection import runs, services
    from stats.models import CollectionRun, ReferrerSnapshot
    from tenants.crypto import encrypt_secret
    from tenants.models import GitHubCredential, Tenant

    settings.COLLECT_BUDGET_RESERVE = 0
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 0
    started = time.perf_counter()
    with FakeGitHub(rate_limit=budget) as gh:
        settings.GITHUB_API_URL = gh.url
        tenant = Tenant.objects.create(slug=f"t-{case}", name=case)
        GitHubCredential.objects.create(tenant=tenant, token_encrypted=encrypt_secret(TOKEN),
                                        token_last4=TOKEN[-4:])
        names = [f"bench/{case}-{n:05d}" for n in range(repos)]
        for name in names:
            fake = gh.add_repo(name, visitors=30)
            owner, repo_name = name.split("/")
            Repository.objects.create(tenant=tenant, owner=owner, name=repo_name, github_id=fake.github_id)
        ticks = [timedelta(hours=23, minutes=30)] if baseline else [timedelta(hours=h, minutes=17) for h in range(24)]
        worst_age: int | None = 0
        original_plan = runs.collection_plan_for
        if baseline:
            runs.collection_plan_for = _fixed_order_plan  # type: ignore[assignment]
        trigger = CollectionRun.Trigger.COMMAND if baseline else CollectionRun.Trigger.SCHEDULE
        try:
            with time_machine.travel(START, tick=False) as traveller:
                for day in range(days):
                    for tick in ticks:
                        moment = START + timedelta(days=day) + tick
                        traveller.move_to(moment)
                        gh.set_now(moment)
                        if not baseline and not runs.collection_plan_for(
                            tenant=tenant, trigger=trigger, now=moment
                        ).repositories:
                            continue
                        run = services.collection_run_start(tenant=tenant, trigger=trigger, now=moment)
                        services.collection_run_execute(run=run, now=moment)
                    if day >= 14:  # after a warm-up, how old may a day series get?
                        today = (START + timedelta(days=day)).date()
                        fetched = Repository.objects.filter(tenant=tenant).values_list(
                            "day_series_fetched_on", flat=True
                        )
                        if worst_age is not None:
                            ages = [(today - f).days if f else None for f in fetched]
                            worst_age = None if None in ages else max([worst_age, *ages])
        finally:
            runs.collection_plan_for = original_plan  # type: ignore[assignment]
        end = (START + timedelta(days=days)).date()
        return _measure(case=case, tenant=tenant, gh=gh, end=end, worst_age=worst_age, started=started,
                        snapshots=ReferrerSnapshot)


def _measure(*, case: str, tenant: object, gh: object, end: date, worst_age: int | None, started: float,
             snapshots: type) -> Figures:
    from repos.models import Repository
    from stats.models import CollectionRun, DailyTraffic, WeeklyTraffic

    first_day = START.date() - timedelta(days=13)  # the oldest day GitHub served during the simulation
    gone_by = end - timedelta(days=14)  # days up to here are no longer served at the end
    expected_days = {first_day + timedelta(days=k) for k in range((gone_by - first_day).days + 1)}
    # Weeks that became whole during the simulation and are no longer whole at its end.
    monday = START.date() - timedelta(days=7)
    weeks = []
    while monday + timedelta(days=14) <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    days_lost = backlog_lost = repos_losing = weeks_lost = gaps = never = 0
    for repo in Repository.objects.filter(tenant=tenant):
        stored = set(DailyTraffic.objects.filter(repository=repo).values_list("date", flat=True))
        first = min(stored, default=end)
        missing = expected_days - stored
        lost = sum(1 for day in missing if day >= first)
        days_lost += lost
        backlog_lost += len(missing) - lost
        repos_losing += lost > 0
        never += repo.last_success_at is None
        stored_weeks = dict(
            WeeklyTraffic.objects.filter(repository=repo).values_list("week_start", "unique_views")
        )
        for week in weeks:
            if stored_weeks.get(week) != gh.truth_week(repo.full_name, week)["unique_views"]:  # type: ignore[attr-defined]
                weeks_lost += 1
        dates = sorted(snapshots.objects.filter(repository=repo).values_list("date", flat=True).distinct())
        marks = [START.date() - timedelta(days=1), *dates, end]
        gaps += any((b - a).days > 14 for a, b in pairwise(marks))
    runs = CollectionRun.objects.filter(tenant=tenant)
    return Figures(
        case=case,
        requests=sum(runs.values_list("api_requests", flat=True)),
        days_lost=days_lost,
        backlog_lost=backlog_lost,
        repos_losing_days=repos_losing,
        weeks_lost=weeks_lost,
        popular_gaps=gaps,
        worst_age=worst_age,
        never_collected=never,
        modes=Counter(mode or "fixed order" for mode in runs.values_list("plan_mode", flat=True)),
        wall=time.perf_counter() - started,
        graphql=gh.request_count(path_contains="/graphql"),  # type: ignore[attr-defined]
    )


def run(args: argparse.Namespace) -> int:
    with bench_database(args.db) as database:
        setup_django(database.url)
        production_like()
        migrate()
        cases = [("planned", args.budget, False)]
        if args.ample:
            cases.append(("ample", args.ample, False))
        if not args.no_baseline:
            cases.append(("baseline", args.budget, True))
        results = [simulate(case=name, repos=args.repos, budget=budget, days=args.days, baseline=baseline)
                   for name, budget, baseline in cases]
    repo_days = args.repos * args.days
    print(f"\n## Budget: {args.repos} repositories, {args.days} days, {args.budget} requests/hour ({args.db})")
    print_table(
        "Losslessness per case (same engine, fake GitHub and simulated clock)",
        ["case", "requests/repo-day", "GraphQL queries/day", "days lost", "repos losing days", "backlog days lost",
         "weeks lost", "referrer gaps >14 d",
         "worst day-series age", "never collected", "runs by plan mode", "wall s"],
        [
            [f.case, f"{f.requests / repo_days:.2f}", f"{f.graphql / args.days:.1f}", f.days_lost,
             f.repos_losing_days, f.backlog_lost, f.weeks_lost, f.popular_gaps,
             "never" if f.worst_age is None else f"{f.worst_age} d", f.never_collected,
             ", ".join(f"{mode} {count}" for mode, count in sorted(f.modes.items())), f"{f.wall:.0f}"]
            for f in results
        ],
    )
    return 0


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    return dispatch(Path(__file__), argv, args, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
