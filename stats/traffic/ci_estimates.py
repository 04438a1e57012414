"""The CI-clone estimate: how many of GitHub's clones were probably made by CI, and the rest ("human").

Method: GitHub counts every `git clone`/fetch of the repository, CI included, and does not say who cloned.
For each UTC day we count the GitHub Actions workflow runs created that day (Actions runs API, by
`created` date) and take runs times "checkouts per run" (a per-repository factor, default 1) as the CI
clones of that day; human clones = max(0, clones minus CI estimate). Whether a run really checks the
repository out is not in the runs list: workflows without actions/checkout, or with several, make the
estimate off; clones by other CI services are not counted. A day without a stored workflow-run count is
unknown (null), never zero; a week or month is estimated only when every day of it with traffic is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from repos.models import Repository
from stats.models import WorkflowRunDay
from stats.traffic.periods import Interval, bucket_start
from stats.traffic.selectors import daily_rows
from tenants.access import TenantAccess

METHOD = (
    "Estimate: GitHub Actions workflow runs created that day times checkouts per run ({factor}) are taken as CI "
    "clones; human clones = clones minus CI clones (at least 0). The runs list does not say whether a run checks "
    "the repository out, and clones by other CI services are not counted."
)


@dataclass(frozen=True)
class CloneEstimate:
    date: date
    ci_clones_estimate: int | None
    clones_human_estimate: int | None


def factor_text(repository: Repository) -> str:
    return f"{Decimal(repository.ci_checkouts_per_run).normalize():f}"


def method_text(repository: Repository) -> str:
    return METHOD.format(factor=factor_text(repository))


def ci_clones(runs: int, factor: Decimal) -> int:
    return int((Decimal(runs) * factor).to_integral_value(rounding=ROUND_HALF_UP))


def clone_estimates(
    *, access: TenantAccess, repository: Repository, interval: Interval, buckets: list[date],
    start: date, end: date,
) -> list[CloneEstimate]:
    """One estimate per bucket (the traffic series' dates); all null when the repository's estimate is off
    (2 queries)."""
    if not repository.ci_runs_enabled:
        return [CloneEstimate(bucket, None, None) for bucket in buckets]
    factor = Decimal(repository.ci_checkouts_per_run)
    clones = dict(daily_rows(access, start, end).filter(repository=repository).values_list("date", "clones"))
    runs = dict(
        WorkflowRunDay.objects.filter(
            repository__in=access.repositories(), repository=repository, date__gte=start, date__lte=end
        ).values_list("date", "workflow_runs")
    )
    by_bucket: dict[date, list[date]] = {}
    for day in clones:
        by_bucket.setdefault(bucket_start(day, interval), []).append(day)
    estimates = []
    for bucket in buckets:
        days = by_bucket.get(bucket, [])
        if not days or any(day not in runs for day in days):
            estimates.append(CloneEstimate(bucket, None, None))
            continue
        ci = [ci_clones(runs[day], factor) for day in days]
        human = sum(max(0, clones[day] - ci_day) for day, ci_day in zip(days, ci, strict=True))
        estimates.append(CloneEstimate(bucket, sum(ci), human))
    return estimates


def estimate_totals(estimates: list[CloneEstimate]) -> tuple[int | None, int | None]:
    """Totals over the buckets that have an estimate (None when none has)."""
    known = [e for e in estimates if e.ci_clones_estimate is not None]
    if not known:
        return None, None
    return sum(e.ci_clones_estimate or 0 for e in known), sum(e.clones_human_estimate or 0 for e in known)
