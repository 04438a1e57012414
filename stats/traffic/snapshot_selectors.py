"""Reads of what GitHub reports as snapshots and series beside traffic: top referrers and paths (its
rolling 14-day top 10s), a referrer's trend, stars/forks/watchers, and which days have traffic stored.

Every selector takes `access` (a TenantAccess) and starts from `access.repositories()`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from repos.models import Repository
from stats.models import LatestSnapshot, PathSnapshot, ReferrerSnapshot, RepositoryMetrics
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


def latest_snapshot_dates(
    model: type[ReferrerSnapshot] | type[PathSnapshot], access: TenantAccess, start: date, end: date,
    repository: Repository | None = None,
) -> dict[int, date]:
    """Each visible repository's most recent snapshot date in [start, end] (1 query).

    One index probe per repository on (repository, date), newest first: at 1,000 repositories
    that is a few milliseconds, where grouping every snapshot row of the range read them all.
    """
    repositories = access.repositories()
    if repository is not None:
        repositories = repositories.filter(pk=repository.pk)
    newest = (
        model.objects.filter(repository=OuterRef("pk"), date__gte=start, date__lte=end)
        .order_by("-date")
        .values("date")[:1]
    )
    return dict(
        repositories.order_by().annotate(last=Subquery(newest)).filter(last__isnull=False).values_list("pk", "last")
    )


POINTERS = {ReferrerSnapshot: "referrers", PathSnapshot: "paths"}


def _latest_rows_filter(
    model: type[ReferrerSnapshot] | type[PathSnapshot], access: TenantAccess, start: date, end: date,
    repository: Repository | None,
) -> Q | None:
    """Which snapshot rows are each visible repository's latest in [start, end] (1 query); None: no row is.

    Through LatestSnapshot (kept by the collection): a repository whose newest snapshot lies in the
    range has it as its latest there, one whose newest is before the range has none. Only when some
    repository's newest is after `end` (a period in the past) is its latest looked up per repository.
    """
    visible = access.repositories()
    if repository is not None:
        visible = visible.filter(pk=repository.pk)
    pointer = POINTERS[model]
    dates = set(
        LatestSnapshot.objects.filter(repository__in=visible, **{f"{pointer}__gte": start})
        .order_by().values_list(pointer, flat=True).distinct()
    )
    if not dates:
        return None
    if max(dates) <= end:
        return Q(repository__in=visible, date__in=sorted(dates), date=F(f"repository__latest_snapshot__{pointer}"))
    latest = latest_snapshot_dates(model, access, start, end, repository)
    by_date: dict[date, list[int]] = defaultdict(list)
    for repository_id, day in latest.items():
        by_date[day].append(repository_id)
    where = Q()
    for day, repository_ids in sorted(by_date.items()):
        where |= Q(date=day, repository_id__in=sorted(repository_ids))
    return where if by_date else None


def _top(
    model: type[ReferrerSnapshot] | type[PathSnapshot], key_field: str, access: TenantAccess, start: date, end: date,
    repository: Repository | None, limit: int,
) -> list[TopEntry]:
    """The entries of each repository's latest snapshot in the range, added up per key in SQL (2 queries).

    Older snapshots overlap the newer ones (each covers 14 days), so adding them would count twice.
    """
    where = _latest_rows_filter(model, access, start, end, repository)
    if where is None:
        return []
    aggregates: dict[str, Any] = {
        "total": Sum("count"), "uniques_sum": Sum("uniques"), "repos": Count("repository_id", distinct=True),
    }
    if key_field == "path":
        aggregates["shown_title"] = Max("title")
    rows = (
        model.objects.filter(where).values(key_field).annotate(**aggregates).order_by("-total", key_field)[:limit]
    )
    return [
        TopEntry(
            key=row[key_field],
            title=row.get("shown_title") or row[key_field],
            count=row["total"],
            # One repository's snapshot carries GitHub's own uniques; across repositories they would be summed.
            uniques=row["uniques_sum"] if repository is not None else None,
            repositories=row["repos"],
        )
        for row in rows
    ]


def top_referrers(
    *, access: TenantAccess, start: date, end: date, repository: Repository | None = None, limit: int = 10
) -> list[TopEntry]:
    """Referrers of the latest snapshot of each repository; uniques only for a single repository."""
    return _top(ReferrerSnapshot, "referrer", access, start, end, repository, limit)


def top_paths(
    *, access: TenantAccess, start: date, end: date, repository: Repository | None = None, limit: int = 10
) -> list[TopEntry]:
    return _top(PathSnapshot, "path", access, start, end, repository, limit)


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
