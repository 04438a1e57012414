"""How complete each bucket of a traffic series is: the one coverage contract of the UI, the API and CSV.

A bucket (day, ISO week, month) is `complete` only when the whole bucket lies inside [start, end]
and every day of it has stored traffic (for a tenant: every followed repository, every day).
`days_covered` counts the (repository-)days of the bucket inside the range that have data, out of
`days_expected`. A range-cut or still-running week is therefore never complete, and a week with
uncollected days says so instead of looking like a drop in traffic.

The reads here are separate from the traffic sums on purpose: one grouped query each, so they can
later be served from per-day rollups (a `repos_covered` count per tenant-day) without touching callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count

from repos.models import Repository
from stats.traffic import rollup_selectors
from stats.traffic.periods import Interval, bucket_days_in_range, bucket_length, bucket_start, bucket_starts
from stats.traffic.selectors import TrafficPoint, daily_rows, repository_traffic_series, tenant_traffic_series
from tenants.access import TenantAccess


@dataclass(frozen=True)
class BucketCoverage:
    days_covered: int
    days_expected: int
    whole_bucket_in_range: bool

    @property
    def complete(self) -> bool:
        return self.whole_bucket_in_range and self.days_expected > 0 and self.days_covered >= self.days_expected


def followed_repository_ids(*, access: TenantAccess, repository_ids: Iterable[int] | None = None) -> list[int]:
    """The repositories a tenant bucket needs data from: the visible, active (followed) ones."""
    repositories = access.repositories().filter(active=True)
    if repository_ids is not None:
        repositories = repositories.filter(pk__in=list(repository_ids))
    return list(repositories.values_list("pk", flat=True))


def repositories_covered_per_day(
    *, access: TenantAccess, start: date, end: date, repository_ids: list[int]
) -> dict[date, int]:
    """Per day in [start, end], how many of `repository_ids` have stored traffic (1 grouped query)."""
    if not repository_ids:
        return {}
    rows = (
        daily_rows(access, start, end)
        .filter(repository_id__in=repository_ids)
        .values("date")
        .annotate(repos=Count("repository_id"))
        .values_list("date", "repos")
    )
    return dict(rows)


def bucket_coverage(
    *, covered_per_day: dict[date, int], repositories: int, interval: Interval, start: date, end: date
) -> dict[date, BucketCoverage]:
    """Fold per-day coverage counts into the buckets touching [start, end]."""
    covered: dict[date, int] = {}
    for day, count in covered_per_day.items():
        if start <= day <= end:
            key = bucket_start(day, interval)
            covered[key] = covered.get(key, 0) + count
    result = {}
    for bucket in bucket_starts(start, end, interval):
        in_range = bucket_days_in_range(bucket, interval, start, end)
        result[bucket] = BucketCoverage(
            days_covered=covered.get(bucket, 0),
            days_expected=in_range * repositories,
            whole_bucket_in_range=in_range == bucket_length(bucket, interval),
        )
    return result


def with_coverage(points: list[TrafficPoint], coverage: dict[date, BucketCoverage]) -> list[TrafficPoint]:
    result = []
    for point in points:
        found = coverage.get(point.date)
        if found is None:
            result.append(point)
            continue
        result.append(
            replace(
                point,
                days_covered=found.days_covered,
                days_expected=found.days_expected,
                complete=found.complete,
            )
        )
    return result


def repository_traffic_with_coverage(
    *, access: TenantAccess, repository: Repository, interval: Interval, start: date, end: date
) -> list[TrafficPoint]:
    """repository_traffic_series with days_covered / days_expected / complete on every point."""
    points = repository_traffic_series(access=access, repository=repository, interval=interval, start=start, end=end)
    per_day = repositories_covered_per_day(access=access, start=start, end=end, repository_ids=[repository.pk])
    coverage = bucket_coverage(covered_per_day=per_day, repositories=1, interval=interval, start=start, end=end)
    return with_coverage(points, coverage)


def tenant_traffic_with_coverage(
    *, access: TenantAccess, interval: Interval, start: date, end: date, repository_ids: Iterable[int] | None = None
) -> list[TrafficPoint]:
    """tenant_traffic_series with coverage counted in repository-days of the followed repositories."""
    ids = None if repository_ids is None else list(repository_ids)
    points = tenant_traffic_series(access=access, interval=interval, start=start, end=end, repository_ids=ids)
    visible = access.repositories()
    if ids is not None:
        visible = visible.filter(pk__in=ids)
    states = list(visible.values_list("pk", "active"))
    followed = [pk for pk, active in states if active]
    if ids is None and not access.is_limited and len(followed) == len(states):
        # The whole tenant, every repository followed: the rollup's per-day count is exactly this (no scan).
        per_day = rollup_selectors.tenant_repos_covered(access=access, start=start, end=end)
    else:
        per_day = repositories_covered_per_day(access=access, start=start, end=end, repository_ids=followed)
    coverage = bucket_coverage(
        covered_per_day=per_day, repositories=len(followed), interval=interval, start=start, end=end
    )
    return with_coverage(points, coverage)
