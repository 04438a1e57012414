"""The traffic tables: one row per repository and bucket, paginated in the database, with GitHub's
weekly uniques where a week lies wholly in the range and each row's coverage of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from stats.models import WeeklyTraffic
from stats.traffic.periods import (
    Interval,
    bucket_days_in_range,
    bucket_length,
)
from stats.traffic.selectors import as_date, bucket_expression, daily_rows
from tenants.access import TenantAccess

TABLE_SORTS = {
    "date": ("bucket", "repository__owner", "repository__name"),
    "-date": ("-bucket", "repository__owner", "repository__name"),
    "repo": ("repository__owner", "repository__name", "-bucket"),
    "-repo": ("-repository__owner", "-repository__name", "-bucket"),
    "views": ("views_sum", "-bucket"),
    "-views": ("-views_sum", "-bucket"),
    "clones": ("clones_sum", "-bucket"),
    "-clones": ("-clones_sum", "-bucket"),
}


@dataclass(frozen=True)
class TableRow:
    repository: str
    date: date
    views: int
    unique_views: int | None
    clones: int
    unique_clones: int | None
    days_covered: int = 1
    days_expected: int = 1
    complete: bool = True
    bucket_days: int = 1


def traffic_table_queryset(
    *,
    access: TenantAccess,
    interval: Interval,
    start: date,
    end: date,
    search: str = "",
    sort: str = "-date",
    repository_ids: Iterable[int] | None = None,
) -> QuerySet:
    """Grouped rows (repository, bucket) with summed counts; only buckets with stored days appear."""
    daily = daily_rows(access, start, end)
    if repository_ids is not None:
        daily = daily.filter(repository_id__in=list(repository_ids))
    for term in search.split()[:5]:
        owner, _, name = term.partition("/")
        daily = (
            daily.filter(repository__owner__icontains=owner, repository__name__icontains=name)
            if name
            else daily.filter(Q(repository__owner__icontains=term) | Q(repository__name__icontains=term))
        )
    names = ("repository_id", "repository__owner", "repository__name")
    bucket = bucket_expression(interval)
    if bucket is None:
        # Day rows are the stored rows themselves: one per repository and day, uniques are GitHub's.
        grouped = daily.values(*names, "date").annotate(
            bucket=Min("date"),
            views_sum=Sum("views"),
            clones_sum=Sum("clones"),
            unique_views_max=Max("unique_views"),
            unique_clones_max=Max("unique_clones"),
        )
    else:
        grouped = (
            daily.annotate(bucket=bucket)
            .values(*names, "bucket")
            .annotate(views_sum=Sum("views"), clones_sum=Sum("clones"), days_covered=Count("id"))
        )
    return grouped.order_by(*TABLE_SORTS.get(sort, TABLE_SORTS["-date"]))


def traffic_table_rows(
    *, access: TenantAccess, interval: Interval, start: date, end: date, rows: Iterable[dict]
) -> list[TableRow]:
    """Turn grouped rows into TableRows, adding GitHub's weekly uniques for week buckets (1 query).

    Rows carry their coverage of [start, end], and a week the range cuts gets no uniques (GitHub's
    weekly uniques cover the whole week, its views here only part): the API's rule.
    """
    rows = list(rows)
    weekly: dict[tuple[int, date], tuple[int, int]] = {}
    if interval == "week" and rows:
        weeks = {as_date(row["bucket"]) for row in rows}
        weekly = {
            (w["repository_id"], w["week_start"]): (w["unique_views"], w["unique_clones"])
            for w in WeeklyTraffic.objects.filter(
                repository__in=access.repositories(),
                repository_id__in={row["repository_id"] for row in rows},
                week_start__in=weeks,
            ).values("repository_id", "week_start", "unique_views", "unique_clones")
        }
    result = []
    for row in rows:
        bucket = as_date(row["bucket"])
        if interval == "day":
            uniques: tuple[int | None, int | None] = (row["unique_views_max"], row["unique_clones_max"])
        elif interval == "week":
            uniques = weekly.get((row["repository_id"], bucket), (None, None))
        else:
            uniques = (None, None)
        expected = bucket_days_in_range(bucket, interval, start, end)
        whole = expected == bucket_length(bucket, interval)
        if interval == "week" and not whole:
            uniques = (None, None)
        covered = row.get("days_covered", 1)
        result.append(
            TableRow(
                repository=f"{row['repository__owner']}/{row['repository__name']}",
                date=bucket,
                views=row["views_sum"],
                unique_views=uniques[0],
                clones=row["clones_sum"],
                unique_clones=uniques[1],
                days_covered=covered,
                days_expected=expected,
                complete=whole and covered >= expected,
                bucket_days=bucket_length(bucket, interval),
            )
        )
    return result
