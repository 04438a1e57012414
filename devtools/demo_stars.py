"""Demo star history and CI runs: each demo repository's stargazers rebuilt back to two years before its
first collected day, and the CI-clone estimate turned on for the first one (90 days of workflow runs)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise

from repos.models import Repository
from stats.models import RepositoryMetrics, StargazerDay, WorkflowRunDay
from tenants.models import Tenant


def demo_star_history_seed(*, tenant: Tenant, today: date) -> None:
    repositories = list(Repository.objects.filter(tenant=tenant).order_by("pk"))
    stars_rows: list[StargazerDay] = []
    for repository in repositories:
        levels = list(RepositoryMetrics.objects.filter(repository=repository).order_by("date")
                      .values_list("date", "stars"))
        if not levels:
            continue
        rng = random.Random(f"stars:{repository.full_name}")
        per_day: dict[date, int] = {}
        first_day, first_level = levels[0]
        # The stars before tracking began, spread over the two years before it (a launch spike first).
        for _ in range(first_level):
            offset = int(rng.triangular(1, 730, 700))
            day = first_day - timedelta(days=offset)
            per_day[day] = per_day.get(day, 0) + 1
        for (_, before), (day, after) in pairwise(levels):
            if after > before:
                per_day[day] = per_day.get(day, 0) + (after - before)
        stars_rows += [StargazerDay(repository=repository, date=day, stars=count) for day, count in per_day.items()]
        Repository.objects.filter(pk=repository.pk).update(
            stargazers_backfilled_on=today, stargazers_fetched_on=today,
        )
    StargazerDay.objects.bulk_create(stars_rows, batch_size=2000, ignore_conflicts=True)
    if repositories:
        first = repositories[0]
        rng = random.Random(f"runs:{first.full_name}")
        WorkflowRunDay.objects.bulk_create([
            WorkflowRunDay(repository=first, date=today - timedelta(days=n),
                           workflow_runs=rng.randint(0, 6) if (today - timedelta(days=n)).weekday() < 5 else 0)
            for n in range(1, 91)
        ], ignore_conflicts=True)
        Repository.objects.filter(pk=first.pk).update(
            ci_runs_enabled=True, ci_runs_fetched_on=today, ci_runs_fetched_through=today - timedelta(days=1),
        )
