"""Reads of what GitHub reports as snapshots and series beside traffic: top referrers and paths (its
rolling 14-day top 10s), a referrer's trend, stars/forks/watchers, and which days have traffic stored.

Every selector takes `access` (a TenantAccess) and starts from `access.repositories()`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from django.db.models import Max, QuerySet

from repos.models import Repository
from stats.models import PathSnapshot, ReferrerSnapshot, RepositoryMetrics
from stats.traffic.periods import bucket_starts
from stats.traffic.selectors import daily_rows
from tenants.access import TenantAccess


@dataclass(frozen=True)
class TopEntry:
    key: str
    title: str
    count: int
    uniques: int | None
    repositories: int


def _latest_snapshots(
    model: type[ReferrerSnapshot] | type[PathSnapshot], access: TenantAccess, start: date, end: date,
    repository: Repository | None = None,
) -> list:
    """Each repository's most recent snapshot rows in the range: GitHub's top 10 of its last 14 days.

    Older snapshots overlap the newer ones (each covers 14 days), so adding them would count twice.
    """
    scoped = model.objects.filter(repository__in=access.repositories(), date__gte=start, date__lte=end)
    if repository is not None:
        scoped = scoped.filter(repository=repository)
    latest = {row["repository_id"]: row["last"] for row in scoped.values("repository_id").annotate(last=Max("date"))}
    if not latest:
        return []
    rows = scoped.filter(repository_id__in=list(latest), date__in=set(latest.values()))
    # Plain rows, not model instances: at 1,000 repositories that is 10,000 objects per panel and
    # building model instances took most of the dashboard's selector time (bench/README.md).
    return [
        SimpleNamespace(**row) for row in rows.values() if latest.get(row["repository_id"]) == row["date"]
    ]


def top_referrers(
    *, access: TenantAccess, start: date, end: date, repository: Repository | None = None, limit: int = 10
) -> list[TopEntry]:
    """Referrers of the latest snapshot of each repository; uniques only for a single repository."""
    rows = _latest_snapshots(ReferrerSnapshot, access, start, end, repository)
    return top_entries(rows, "referrer", repository, limit)


def top_paths(
    *, access: TenantAccess, start: date, end: date, repository: Repository | None = None, limit: int = 10
) -> list[TopEntry]:
    return top_entries(_latest_snapshots(PathSnapshot, access, start, end, repository), "path", repository, limit)


def top_entries(rows: list, key_field: str, repository: Repository | None, limit: int) -> list[TopEntry]:
    """Snapshot rows (one snapshot per repository) merged per key, busiest first."""
    merged: dict[str, dict] = {}
    for row in rows:
        key = getattr(row, key_field)
        entry = merged.setdefault(
            key, {"title": getattr(row, "title", "") or key, "count": 0, "uniques": 0, "repos": set()}
        )
        entry["count"] += row.count
        entry["uniques"] += row.uniques
        entry["repos"].add(row.repository_id)
    entries = [
        TopEntry(
            key=key,
            title=value["title"],
            count=value["count"],
            # One repository's snapshot carries GitHub's own uniques; across repositories they would be summed.
            uniques=value["uniques"] if repository is not None else None,
            repositories=len(value["repos"]),
        )
        for key, value in merged.items()
    ]
    entries.sort(key=lambda entry: (-entry.count, entry.key))
    return entries[:limit]


def referrer_snapshots(
    *, access: TenantAccess, repository: Repository, start: date, end: date
) -> QuerySet[ReferrerSnapshot]:
    return ReferrerSnapshot.objects.filter(
        repository__in=access.repositories(), repository=repository, date__gte=start, date__lte=end
    ).order_by("date", "-count", "referrer")


def path_snapshots(*, access: TenantAccess, repository: Repository, start: date, end: date) -> QuerySet[PathSnapshot]:
    return PathSnapshot.objects.filter(
        repository__in=access.repositories(), repository=repository, date__gte=start, date__lte=end
    ).order_by("date", "-count", "path")


def referrer_trend(
    *, access: TenantAccess, repository: Repository, start: date, end: date, top: int = 4
) -> dict[str, object]:
    """The 14-day counts of the `top` referrers at each snapshot date, for a chart (1 query).

    The rest are folded into one "Other referrers" line (their 14-day views added up at each date),
    so a long period stays readable instead of a tangle of lines.
    """
    rows = list(referrer_snapshots(access=access, repository=repository, start=start, end=end))
    dates = sorted({row.date for row in rows})
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.referrer] += row.count
    names = sorted(totals, key=lambda name: (-totals[name], name))[:top]
    values = {(row.referrer, row.date): row.count for row in rows}
    others: dict[date, int] = defaultdict(int)
    for row in rows:
        if row.referrer not in names:
            others[row.date] += row.count
    datasets = [{"label": name, "data": [values.get((name, day)) for day in dates]} for name in names]
    if others:
        datasets.append({"label": "Other referrers", "data": [others.get(day) for day in dates], "muted": True})
    return {
        "labels": [day.isoformat() for day in dates],
        "unit": "day",
        # Snapshots are sparse and a referrer can leave the top 10: plain lines (dots only when few) read best.
        "fill": False,
        "tension": 0,
        "points": len(dates) <= 45,
        "datasets": datasets,
    }


@dataclass(frozen=True)
class MetricsPoint:
    date: date
    stars: int | None
    forks: int | None
    watchers: int | None


def repository_metrics_series(
    *, access: TenantAccess, repository: Repository, start: date, end: date
) -> list[MetricsPoint]:
    rows = {
        row["date"]: row
        for row in RepositoryMetrics.objects.filter(
            repository__in=access.repositories(), repository=repository, date__gte=start, date__lte=end
        ).values("date", "stars", "forks", "watchers")
    }
    return [
        MetricsPoint(day, rows[day]["stars"], rows[day]["forks"], rows[day]["watchers"])
        if day in rows
        else MetricsPoint(day, None, None, None)
        for day in bucket_starts(start, end, "day")
    ]


@dataclass(frozen=True)
class CoverageDay:
    date: date
    known: bool


def repository_coverage(
    *, access: TenantAccess, repository: Repository, start: date, end: date
) -> list[CoverageDay]:
    """Which days of the range have stored traffic (known) and which are gaps (1 query)."""
    known = set(daily_rows(access, start, end).filter(repository=repository).values_list("date", flat=True))
    return [CoverageDay(day, day in known) for day in bucket_starts(start, end, "day")]
