"""Reads of stored traffic for the dashboard, the repository page, the traffic tables and the API.

Every selector takes `access` (a TenantAccess) and starts from `access.repositories()`, so a
repository-limited viewer sees only their repositories everywhere, totals included.

Query shapes stay simple and constant in number: filter by `repository_id IN (…)` and a date range,
aggregate in the database (`values().annotate()`, TruncWeek/TruncMonth), fetch once, then fill the
buckets in Python. The number of queries never depends on how many repositories or days there are.

Semantics (see stats.models): a bucket with no stored row is unknown → `None` (a gap), never 0.
Unique counts are GitHub's own: per day from DailyTraffic, per week from WeeklyTraffic, none per
month. They are never summed across days or repositories. For tenant-wide figures the dashboard
therefore shows the *peak daily uniques* (the largest unique count GitHub reported for one
repository on one day in the period) instead of a sum that would count a visitor many times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from repos.models import Repository
from stats.models import DailyTraffic, RepositoryMetrics, WeeklyTraffic
from stats.traffic import rollup_selectors
from stats.traffic.periods import (
    DateRange,
    Interval,
    bucket_start,
    bucket_starts,
)
from tenants.access import TenantAccess


@dataclass(frozen=True)
class TrafficPoint:
    date: date
    views: int | None
    unique_views: int | None
    clones: int | None
    unique_clones: int | None
    # Coverage (stats.traffic.coverage fills these): repository-days with data, those the bucket
    # needs inside the range, and whether the whole bucket lies inside the range and is fully collected.
    days_covered: int | None = None
    days_expected: int | None = None
    complete: bool | None = None


@dataclass(frozen=True)
class TrafficTotals:
    views: int | None
    clones: int | None


@dataclass(frozen=True)
class RepositoryTotals:
    repository: Repository
    views: int | None
    clones: int | None
    previous_views: int | None = None
    spark: list[int | None] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return self.repository.full_name

    @property
    def change(self) -> float | None:
        return percent_change(self.views, self.previous_views)


def percent_change(current: int | None, previous: int | None) -> float | None:
    if current is None or not previous:
        return None
    return round((current - previous) * 100 / previous, 1)


def bucket_expression(interval: Interval, field_name: str = "date") -> object:
    if interval == "week":
        return TruncWeek(field_name)
    if interval == "month":
        return TruncMonth(field_name)
    return None


def as_date(value: object) -> date:
    # TruncWeek/TruncMonth give datetimes on some backends, dates on others.
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[return-value]


def daily_rows(access: TenantAccess, start: date, end: date) -> QuerySet[DailyTraffic]:
    return DailyTraffic.objects.filter(repository__in=access.repositories(), date__gte=start, date__lte=end)


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def first_stored_day(*, access: TenantAccess) -> date | None:
    """The oldest day any visible repository has traffic for (anchors the "all time" period)."""
    if rollup_selectors.uses_rollups(access):
        return rollup_selectors.tenant_first_day(access=access)
    return DailyTraffic.objects.filter(repository__in=access.repositories()).aggregate(first=Min("date"))["first"]


def repository_traffic_series(
    *, access: TenantAccess, repository: Repository, interval: Interval, start: date, end: date
) -> list[TrafficPoint]:
    """One point per bucket in [start, end]; uniques per day (GitHub daily), week (GitHub weekly), month (None).

    Week and month views/clones are the sum of the stored days of the bucket inside the range.
    """
    daily = daily_rows(access, start, end).filter(repository=repository)
    points: list[TrafficPoint] = []
    if interval == "day":
        rows = {
            row["date"]: row
            for row in daily.values("date", "views", "unique_views", "clones", "unique_clones")
        }
        for day in bucket_starts(start, end, "day"):
            row = rows.get(day)
            points.append(
                TrafficPoint(day, *(row[k] for k in ("views", "unique_views", "clones", "unique_clones")))
                if row
                else TrafficPoint(day, None, None, None, None)
            )
        return points
    sums = {
        as_date(row["bucket"]): row
        for row in daily.annotate(bucket=bucket_expression(interval))
        .values("bucket")
        .annotate(views_sum=Sum("views"), clones_sum=Sum("clones"))
        .values("bucket", "views_sum", "clones_sum")
    }
    weekly: dict[date, tuple[int, int]] = {}
    if interval == "week":
        weekly = {
            row["week_start"]: (row["unique_views"], row["unique_clones"])
            for row in WeeklyTraffic.objects.filter(
                repository__in=access.repositories(),
                repository=repository,
                week_start__gte=bucket_start(start, "week"),
                week_start__lte=end,
            ).values("week_start", "unique_views", "unique_clones")
        }
    for bucket in bucket_starts(start, end, interval):
        row = sums.get(bucket)
        # A week cut by the range would pair partial views with the whole week's uniques: unknown instead.
        whole_week = start <= bucket and bucket + timedelta(days=6) <= end
        uniques = weekly.get(bucket, (None, None)) if whole_week else (None, None)
        points.append(
            TrafficPoint(
                bucket,
                row["views_sum"] if row else None,
                uniques[0],
                row["clones_sum"] if row else None,
                uniques[1],
            )
        )
    return points


def tenant_traffic_series(
    *, access: TenantAccess, interval: Interval, start: date, end: date, repository_ids: Iterable[int] | None = None
) -> list[TrafficPoint]:
    """Views and clones of all visible repositories per bucket; uniques are None (never summed)."""
    # Group by the plain date in SQL and fold days into weeks/months here: TruncWeek/TruncMonth call a
    # Python function per row on SQLite (4x slower at 1,000 repositories), and grouping by the column
    # is cheaper on PostgreSQL too (bench/README.md). At most 5 years of days come back.
    if repository_ids is None and rollup_selectors.uses_rollups(access):
        # The whole tenant: its daily rollup already holds these sums, one row per day.
        days = [row[:3] for row in rollup_selectors.tenant_day_rows(access=access, start=start, end=end)]
    else:
        daily = daily_rows(access, start, end)
        if repository_ids is not None:
            daily = daily.filter(repository_id__in=list(repository_ids))
        days = list(
            daily.values("date").annotate(views_sum=Sum("views"), clones_sum=Sum("clones"))
            .values_list("date", "views_sum", "clones_sum")
        )
    sums: dict[date, list[int]] = {}
    for day, views, clones in days:
        bucket_sums = sums.setdefault(bucket_start(day, interval), [0, 0])
        bucket_sums[0] += views
        bucket_sums[1] += clones
    points = []
    for bucket in bucket_starts(start, end, interval):
        found = sums.get(bucket)
        points.append(
            TrafficPoint(bucket, found[0] if found else None, None, found[1] if found else None, None)
        )
    return points


def totals_of(points: Iterable[TrafficPoint]) -> TrafficTotals:
    points = list(points)
    return TrafficTotals(
        views=_sum_or_none(p.views for p in points), clones=_sum_or_none(p.clones for p in points)
    )


def tenant_repository_totals(
    *,
    access: TenantAccess,
    start: date,
    end: date,
    previous: DateRange | None = None,
    spark_interval: Interval | None = None,
    spark_limit: int | None = None,
) -> list[RepositoryTotals]:
    """Every visible repository with its views and clones in the range, busiest first.

    With `previous`, also the previous period's views (for the change column); with
    `spark_interval`, a small per-bucket views series for a sparkline (for the first `spark_limit`
    rows only, when given; the others keep an empty one). At most 4 queries.
    """
    # Only the columns the table and the API show: a thousand full rows cost more than the rollup read.
    shown_columns = ("id", "tenant_id", "owner", "name", "active")
    repositories = sorted(access.repositories().only(*shown_columns), key=lambda repo: repo.full_name.lower())
    if rollup_selectors.uses_rollups(access):
        sums = rollup_selectors.repository_rows(access=access, start=start, end=end,
                                                previous=(previous.start, previous.end) if previous else None)
    else:
        sums = _raw_repository_sums(access=access, start=start, end=end, previous=previous)
    result = []
    for repo in repositories:
        row = sums.get(repo.pk)
        has_current = bool(row and row["rows"])
        if not repo.active and not has_current:
            continue
        result.append(
            RepositoryTotals(
                repository=repo,
                views=row["views_sum"] if has_current else None,
                clones=row["clones_sum"] if has_current else None,
                previous_views=row.get("previous_views") if row else None,
            )
        )
    result.sort(key=lambda item: (item.views is None, -(item.views or 0), item.full_name.lower()))
    if spark_interval:
        # Sparklines only for the rows that will be shown (`spark_limit`, the busiest first): the
        # per-bucket query reads raw days, so it reads no more repositories than it must.
        shown = result if spark_limit is None else result[:spark_limit]
        sparks = _sparks(access=access, start=start, end=end, interval=spark_interval,
                         repository_ids=[item.repository.pk for item in shown])
        buckets = bucket_starts(start, end, spark_interval)
        result[: len(shown)] = [
            replace(item, spark=[sparks[item.repository.pk].get(b) for b in buckets]) for item in shown
        ]
    return result


def tenant_repository_rows(*, access: TenantAccess, start: date, end: date) -> list[dict[str, object]]:
    """The API's per-repository totals: {full_name, views, clones} per repository, busiest first.

    The rows of `tenant_repository_totals` without model instances or dataclasses: at 1,000
    repositories building and serialising those objects cost more than the rollup read (2-3 queries).
    """
    if rollup_selectors.uses_rollups(access):
        sums = rollup_selectors.repository_rows(access=access, start=start, end=end, previous=None)
    else:
        sums = _raw_repository_sums(access=access, start=start, end=end, previous=None)
    rows: list[dict[str, object]] = []
    for pk, owner, name, active in access.repositories().order_by().values_list("pk", "owner", "name", "active"):
        found = sums.get(pk)
        if found and found["rows"]:
            rows.append({"full_name": f"{owner}/{name}", "views": found["views_sum"], "clones": found["clones_sum"]})
        elif active:
            rows.append({"full_name": f"{owner}/{name}", "views": None, "clones": None})
    rows.sort(key=lambda row: (row["views"] is None, -(row["views"] or 0), row["full_name"].lower()))  # type: ignore[operator, union-attr]
    return rows


def _sparks(
    *, access: TenantAccess, start: date, end: date, interval: Interval, repository_ids: list[int]
) -> dict[int, dict[date, int]]:
    if interval != "day" and rollup_selectors.uses_rollups(access):
        # Whole weeks/months from the per-repository rollups: a 12-month weekly sparkline reads 53 rows
        # per repository instead of 365 days.
        return rollup_selectors.repository_bucket_views(
            access=access, repository_ids=repository_ids, start=start, end=end, interval=interval
        )
    sparks: dict[int, dict[date, int]] = defaultdict(dict)
    bucket = bucket_expression(interval)
    queryset = daily_rows(access, start, end).filter(repository_id__in=repository_ids)
    key = "bucket" if bucket is not None else "date"
    grouped = (
        queryset.annotate(bucket=bucket).values("repository_id", "bucket")
        if bucket is not None
        else queryset.values("repository_id", "date")
    )
    for row in grouped.annotate(views_sum=Sum("views")).values("repository_id", key, "views_sum"):
        sparks[row["repository_id"]][as_date(row[key])] = row["views_sum"]
    return sparks


def _raw_repository_sums(
    *, access: TenantAccess, start: date, end: date, previous: DateRange | None
) -> dict[int, dict]:
    range_start = previous.start if previous else start
    current = Q(date__gte=start, date__lte=end)
    # Without a previous period every row is current: plain sums, no per-row FILTER (4x faster on SQLite).
    aggregates = (
        {
            "views_sum": Sum("views", filter=current),
            "clones_sum": Sum("clones", filter=current),
            "rows": Count("id", filter=current),
            "previous_views": Sum("views", filter=~current),
        }
        if previous
        else {"views_sum": Sum("views"), "clones_sum": Sum("clones"), "rows": Count("id")}
    )
    return {
        row["repository_id"]: row
        for row in daily_rows(access, range_start, end).values("repository_id").annotate(**aggregates)
    }


@dataclass(frozen=True)
class MetricCard:
    key: str
    label: str
    value: int | None
    previous: int | None
    note: str = ""

    @property
    def change(self) -> float | None:
        return percent_change(self.value, self.previous)


def _stars_on(access: TenantAccess, *days: date) -> list[int | None]:
    """Per day: the sum over visible repositories of the last known star count on or before it (1 query)."""
    def latest(day: date) -> Subquery:
        newest = RepositoryMetrics.objects.filter(repository=OuterRef("pk"), date__lte=day).order_by("-date")
        return Subquery(newest.values("stars")[:1], output_field=IntegerField())

    names = [f"stars_{index}" for index in range(len(days))]
    rows = list(
        access.repositories().order_by()
        .annotate(**{name: latest(day) for name, day in zip(names, days, strict=True)}).values_list(*names)
    )
    return [_sum_or_none(row[index] for row in rows) for index in range(len(days))]


def dashboard_cards(*, access: TenantAccess, period: DateRange) -> list[MetricCard]:
    """The dashboard's metric cards for the period with the previous period for the change. 3 queries."""
    previous = period.previous()
    if rollup_selectors.uses_rollups(access):
        figures = rollup_selectors.tenant_figures(
            access=access, current=(period.start, period.end), before=(previous.start, previous.end)
        )
    else:
        figures = _raw_figures(access=access, period=period, previous=previous)
    peak_note = "Busiest repository-day (uniques cannot be added up)."
    return [
        MetricCard("views", "Views", figures["sum_views"], figures["previous_views"]),
        MetricCard(
            "unique_views", "Peak daily unique visitors", figures["peak_unique_views"],
            figures["previous_peak_unique_views"], peak_note,
        ),
        MetricCard("clones", "Clones", figures["sum_clones"], figures["previous_clones"]),
        MetricCard(
            "unique_clones", "Peak daily unique cloners", figures["peak_unique_clones"],
            figures["previous_peak_unique_clones"], peak_note,
        ),
        MetricCard(
            "stars", "Stars", *_stars_on(access, period.end, previous.end),
            "All repositories, at the end of the period.",
        ),
    ]


def _raw_figures(*, access: TenantAccess, period: DateRange, previous: DateRange) -> dict:
    current = Q(date__gte=period.start, date__lte=period.end)
    before = Q(date__gte=previous.start, date__lte=previous.end)
    return daily_rows(access, previous.start, period.end).aggregate(
        sum_views=Sum("views", filter=current),
        sum_clones=Sum("clones", filter=current),
        peak_unique_views=Max("unique_views", filter=current),
        peak_unique_clones=Max("unique_clones", filter=current),
        previous_views=Sum("views", filter=before),
        previous_clones=Sum("clones", filter=before),
        previous_peak_unique_views=Max("unique_views", filter=before),
        previous_peak_unique_clones=Max("unique_clones", filter=before),
    )
