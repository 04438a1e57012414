"""Tenant-wide reads from the rollups (stats.collection.rollups keeps them exact).

Only for a viewer who sees the whole tenant (`uses_rollups`): a repository-limited viewer's figures
must leave the other repositories out, so stats.traffic.selectors keeps the raw path for them, and
for per-repository pages. Each function answers exactly what the raw DailyTraffic aggregate would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum

from stats.models import DailyTraffic, RepositoryMonthlyRollup, RepositoryWeeklyRollup, TenantDailyRollup
from stats.traffic.periods import Interval, bucket_start, next_bucket
from tenants.access import TenantAccess


def uses_rollups(access: TenantAccess) -> bool:
    return not access.is_limited


def tenant_day_rows(*, access: TenantAccess, start: date, end: date) -> list[tuple[date, int, int, int]]:
    """(date, views, clones, repos_covered) of each day in [start, end] with stored traffic."""
    return list(
        TenantDailyRollup.objects.filter(tenant=access.tenant, date__gte=start, date__lte=end)
        .values_list("date", "views", "clones", "repos_covered")
    )


def tenant_repos_covered(*, access: TenantAccess, start: date, end: date) -> dict[date, int]:
    """Per day in [start, end]: how many repositories have a DailyTraffic row (days with none are absent)."""
    return {day: covered for day, _, _, covered in tenant_day_rows(access=access, start=start, end=end)}


def tenant_first_day(*, access: TenantAccess) -> date | None:
    first = TenantDailyRollup.objects.filter(tenant=access.tenant).order_by("date").values_list("date", flat=True)
    return first.first()


def tenant_figures(*, access: TenantAccess, current: tuple[date, date], before: tuple[date, date]) -> dict:
    """The dashboard cards' sums and peaks for the period and the previous one (1 query)."""
    now, then = Q(date__gte=current[0], date__lte=current[1]), Q(date__gte=before[0], date__lte=before[1])
    found = TenantDailyRollup.objects.filter(
        tenant=access.tenant, date__gte=min(current[0], before[0]), date__lte=max(current[1], before[1])
    ).aggregate(
        sum_views=Sum("views", filter=now),
        sum_clones=Sum("clones", filter=now),
        peak_uv=Max("peak_unique_views", filter=now),
        peak_uc=Max("peak_unique_clones", filter=now),
        previous_views=Sum("views", filter=then),
        previous_clones=Sum("clones", filter=then),
        previous_peak_uv=Max("peak_unique_views", filter=then),
        previous_peak_uc=Max("peak_unique_clones", filter=then),
    )
    # The raw aggregate's names (an alias may not shadow the rollup's own field).
    renames = {"peak_uv": "peak_unique_views", "peak_uc": "peak_unique_clones",
               "previous_peak_uv": "previous_peak_unique_views", "previous_peak_uc": "previous_peak_unique_clones"}
    return {renames.get(name, name): value for name, value in found.items()}


def _month_end(month: date) -> date:
    return next_bucket(month, "month") - timedelta(days=1)


def _split(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """[start, end] as whole months (their 1sts) and the day ranges left at its edges."""
    first_full = start if start.day == 1 else next_bucket(start.replace(day=1), "month")
    months = []
    month = first_full
    while _month_end(month) <= end:
        months.append(month)
        month = next_bucket(month, "month")
    if not months:
        return [], [(start, end)]
    edges = []
    if start < months[0]:
        edges.append((start, months[0] - timedelta(days=1)))
    last_day = _month_end(months[-1])
    if last_day < end:
        edges.append((last_day + timedelta(days=1), end))
    return months, edges


def repository_sums(
    *, access: TenantAccess, ranges: Mapping[str, tuple[date, date]]
) -> dict[int, dict[str, list[int]]]:
    """{repository id: {label: [views, clones, stored days]}} for each labelled range. 2 queries.

    Whole months come from the monthly rollups, the partial months at the range edges from raw rows.
    """
    plans = {label: _split(*bounds) for label, bounds in ranges.items()}
    sums: dict[int, dict[str, list[int]]] = {}

    def add(repository_id: int, label: str, views: int | None, clones: int | None, days: int | None) -> None:
        if days:
            found = sums.setdefault(repository_id, {}).setdefault(label, [0, 0, 0])
            found[0] += views or 0
            found[1] += clones or 0
            found[2] += days

    month_filters = {label: Q(month__in=months) for label, (months, _) in plans.items() if months}
    if month_filters:
        every_month = sorted({month for months, _ in plans.values() for month in months})
        monthly = RepositoryMonthlyRollup.objects.filter(
            repository__in=access.repositories(), month__gte=every_month[0], month__lte=every_month[-1]
        )
        single = len(month_filters) == 1  # plain sums, no per-row FILTER (much faster on SQLite)
        if single:
            monthly = monthly.filter(month__in=every_month)
        aggregates = {}
        for index, where in enumerate(month_filters.values()):
            cond = None if single else where
            aggregates[f"v{index}"] = Sum("views", filter=cond)
            aggregates[f"c{index}"] = Sum("clones", filter=cond)
            aggregates[f"d{index}"] = Sum("days", filter=cond)
        for row in monthly.values("repository_id").annotate(**aggregates):
            for index, label in enumerate(month_filters):
                add(row["repository_id"], label, row[f"v{index}"], row[f"c{index}"], row[f"d{index}"])
    edge_filters = {}
    for label, (_, edges) in plans.items():
        if edges:
            where = Q()
            for first, last in edges:
                where |= Q(date__gte=first, date__lte=last)
            edge_filters[label] = where
    if edge_filters:
        either = Q()
        for where in edge_filters.values():
            either |= where
        raw = DailyTraffic.objects.filter(repository__in=access.repositories()).filter(either)
        aggregates = {}
        for index, where in enumerate(edge_filters.values()):
            cond = None if len(edge_filters) == 1 else where
            aggregates[f"v{index}"] = Sum("views", filter=cond)
            aggregates[f"c{index}"] = Sum("clones", filter=cond)
            aggregates[f"d{index}"] = Count("id", filter=cond)
        for row in raw.values("repository_id").annotate(**aggregates):
            for index, label in enumerate(edge_filters):
                add(row["repository_id"], label, row[f"v{index}"], row[f"c{index}"], row[f"d{index}"])
    return sums


def repository_rows(
    *, access: TenantAccess, start: date, end: date, previous: tuple[date, date] | None
) -> dict[int, dict]:
    """Per repository, the raw aggregate's row: views_sum, clones_sum, rows (days), previous_views."""
    ranges = {"current": (start, end)}
    if previous:
        ranges["previous"] = previous
    rows = {}
    for repository_id, found in repository_sums(access=access, ranges=ranges).items():
        now, before = found.get("current"), found.get("previous")
        rows[repository_id] = {
            "views_sum": now[0] if now else None,
            "clones_sum": now[1] if now else None,
            "rows": now[2] if now else 0,
            "previous_views": before[0] if before else None,
        }
    return rows


def repository_bucket_views(
    *, access: TenantAccess, repository_ids: list[int], start: date, end: date, interval: Interval
) -> dict[int, dict[date, int]]:
    """{repository id: {week or month start: views of its stored days inside [start, end]}} (sparklines).

    Buckets wholly inside the range come from the weekly/monthly rollups, the two cut by its edges from
    raw days (at most 12 or 60 per repository). A bucket with no stored day is absent (unknown). 2 queries.
    """
    model, key = (RepositoryWeeklyRollup, "week") if interval == "week" else (RepositoryMonthlyRollup, "month")
    first = bucket_start(start, interval)
    if first < start:
        first = next_bucket(first, interval)
    whole = []
    bucket = first
    while next_bucket(bucket, interval) - timedelta(days=1) <= end:
        whole.append(bucket)
        bucket = next_bucket(bucket, interval)
    edges = [(start, end)] if not whole else [
        (first_day, last_day) for first_day, last_day in (
            (start, whole[0] - timedelta(days=1)), (next_bucket(whole[-1], interval), end)
        ) if first_day <= last_day
    ]
    views: dict[int, dict[date, int]] = defaultdict(dict)
    if whole:
        for repository_id, found, summed, days in model.objects.filter(
            repository_id__in=repository_ids, **{f"{key}__gte": whole[0], f"{key}__lte": whole[-1]}
        ).values_list("repository_id", key, "views", "days"):
            if days:
                views[repository_id][found] = summed
    if edges:
        where = Q()
        for first_day, last_day in edges:
            where |= Q(date__gte=first_day, date__lte=last_day)
        for repository_id, day, summed in DailyTraffic.objects.filter(
            where, repository_id__in=repository_ids
        ).values_list("repository_id", "date", "views"):
            buckets = views[repository_id]
            found = bucket_start(day, interval)
            buckets[found] = buckets.get(found, 0) + summed
    return views
