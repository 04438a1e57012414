"""Exact rollups of DailyTraffic, kept in step with it (read by stats.traffic.rollup_selectors).

- TenantDailyRollup: per tenant and day, the sums of views and clones, the peak daily uniques of one
  repository, and `repos_covered` (repositories with a DailyTraffic row that day).
- RepositoryMonthlyRollup: per repository and month, the sums of views and clones and the days summed.
- RepositoryWeeklyRollup: the same per ISO week (dated by its Monday), for the dashboard's sparklines.
- LatestSnapshot: per repository, the dates of its newest referrer and path snapshots (the dashboard's
  top lists add up each repository's latest snapshot). After the store writes a repository's
  snapshots it sets both dates to that repository's MAX(date), read back in the same transaction
  (`latest_snapshot_note`): exact whatever was written, replaced or emptied, 1 statement.

How they stay exact:
- Collection (`daily_changes_apply`), in the transaction that writes the daily rows: the delta
  between each changed row's old and new counts is added with one `INSERT … ON CONFLICT DO UPDATE
  SET views = views + excluded.views …` per table (PostgreSQL, SQLite; other backends insert missing
  zero rows, then run one `UPDATE … SET views = views + CASE …`), so workers storing repositories of
  the same tenant at once never lose each other's increments. Daily counts only grow (per-field
  maximum merges), so the peak uniques grow with the larger of old and new.
  Recomputing the affected (tenant, day) rows from DailyTraffic instead would read every repository
  of the tenant for each window day per stored repository (and miss a concurrent worker's rows not
  yet committed): deltas cost 2 statements per repository whatever the tenant's size.
- Removal of a repository (its history is deleted by CASCADE): repos must not import stats, so
  stats listens to Repository's pre_delete/post_delete (connected in StatsConfig.ready): pre_delete
  notes the days it had, post_delete (same transaction, the daily rows gone) recomputes those days of
  its tenant. Its monthly rollups go with it by CASCADE. When the whole tenant is deleted nothing is
  recomputed: its rollups go with it.
- Deactivation changes nothing: a deactivated repository's history stays and still counts, exactly as
  the raw aggregates over `tenant.repositories` count it.
- History imports (stats.imports) merge through `store.daily_counts_merge`, so they move the rollups by
  the same deltas. Code that writes DailyTraffic in bulk (devtools.demo, bench.seed) calls `rollups_rebuild` after;
  so does `manage.py rebuild_rollups` and the data migration that builds them for existing data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    Max,
    Min,
    Model,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest, Substr, TruncMonth, TruncWeek

from stats.collection import merge
from stats.models import (
    DailyTraffic,
    LatestSnapshot,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMonthlyRollup,
    RepositoryWeeklyRollup,
    TenantDailyRollup,
)

SUMMED = ("views", "clones")
PEAKS = {"unique_views": "peak_unique_views", "unique_clones": "peak_unique_clones"}


def month_of(day: date) -> date:
    return day.replace(day=1)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def daily_changes_apply(
    *,
    tenant_id: int,
    repo_id: int,
    stored: Mapping[date, merge.Counts],
    create: Mapping[date, merge.Counts],
    update: Mapping[date, merge.Counts],
) -> None:
    """Add one repository's created and raised daily rows to its tenant's and its own rollups."""
    days: dict[date, dict[str, int]] = {}
    peaks: dict[date, dict[str, int]] = {}
    months: dict[date, dict[str, int]] = defaultdict(lambda: {"views": 0, "clones": 0, "days": 0})
    weeks: dict[date, dict[str, int]] = defaultdict(lambda: {"views": 0, "clones": 0, "days": 0})
    for day, new in (*create.items(), *update.items()):
        old = stored.get(day)
        delta = {name: getattr(new, name) - (getattr(old, name) if old else 0) for name in SUMMED}
        days[day] = {**delta, "repos_covered": 0 if old else 1}
        peaks[day] = {peak: getattr(new, unique) for unique, peak in PEAKS.items()}
        for bucket in (months[month_of(day)], weeks[week_of(day)]):
            bucket["views"] += delta["views"]
            bucket["clones"] += delta["clones"]
            bucket["days"] += 0 if old else 1
    if days:
        _increments_apply(model=TenantDailyRollup, scope={"tenant_id": tenant_id}, key="date", deltas=days,
                          peaks=peaks)
        _increments_apply(model=RepositoryMonthlyRollup, scope={"repository_id": repo_id}, key="month",
                          deltas=months, peaks={})
        _increments_apply(model=RepositoryWeeklyRollup, scope={"repository_id": repo_id}, key="week",
                          deltas=weeks, peaks={})


def _increments_apply(
    *,
    model: type[Model],
    scope: dict[str, int],
    key: str,
    deltas: Mapping[date, Mapping[str, int]],
    peaks: Mapping[date, Mapping[str, int]],
) -> None:
    buckets = sorted(deltas)  # one order for every writer: fewer lock waits, no deadlock between two
    if connection.vendor in UPSERT_VENDORS:
        _upsert(model=model, scope=scope, key=key, buckets=buckets, deltas=deltas, peaks=peaks)
        return
    _rows_ensure(model=model, scope=scope, key=key, buckets=buckets)
    changes: dict[str, Any] = {}
    for name in deltas[buckets[0]]:
        whens = [When(**{key: bucket}, then=Value(deltas[bucket][name])) for bucket in buckets
                 if deltas[bucket][name]]
        if whens:
            changes[name] = F(name) + Case(*whens, default=Value(0), output_field=model._meta.get_field(name))
    for name in {name for values in peaks.values() for name in values}:
        whens = [When(**{key: bucket}, then=Value(peaks[bucket][name])) for bucket in buckets if peaks[bucket][name]]
        if whens:
            changes[name] = Greatest(F(name), Case(*whens, default=Value(0), output_field=model._meta.get_field(name)))
    if changes:
        model.objects.filter(**scope, **{f"{key}__in": buckets}).update(**changes)


# PostgreSQL and SQLite (3.24+) share INSERT … ON CONFLICT DO UPDATE: one statement per table, atomic
# under concurrent workers. Other backends (Db2) take the portable insert-then-UPDATE path.
UPSERT_VENDORS = ("postgresql", "sqlite")


def _upsert(
    *,
    model: type[Model],
    scope: dict[str, int],
    key: str,
    buckets: list[date],
    deltas: Mapping[date, Mapping[str, int]],
    peaks: Mapping[date, Mapping[str, int]],
) -> None:
    quote = connection.ops.quote_name
    meta = model._meta
    (scope_name, scope_value), = scope.items()
    summed = list(deltas[buckets[0]])
    peaked = sorted({name for values in peaks.values() for name in values})
    columns = [meta.get_field(scope_name.removesuffix("_id")).column, meta.get_field(key).column,
               *(meta.get_field(name).column for name in (*summed, *peaked))]
    table = quote(meta.db_table)
    params: list[Any] = []
    for bucket in buckets:
        params += [scope_value, connection.ops.adapt_datefield_value(bucket),
                   *(deltas[bucket][name] for name in summed), *(peaks[bucket][name] for name in peaked)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sets = [f"{quote(column)} = {table}.{quote(column)} + excluded.{quote(column)}"
            for column in columns[2:2 + len(summed)]]
    sets += [f"{quote(column)} = CASE WHEN excluded.{quote(column)} > {table}.{quote(column)} "
             f"THEN excluded.{quote(column)} ELSE {table}.{quote(column)} END" for column in columns[2 + len(summed):]]
    sql = (f"INSERT INTO {table} ({', '.join(quote(column) for column in columns)}) "
           f"VALUES {', '.join([row] * len(buckets))} "
           f"ON CONFLICT ({quote(columns[0])}, {quote(columns[1])}) DO UPDATE SET {', '.join(sets)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rows_ensure(*, model: type[Model], scope: dict[str, int], key: str, buckets: list[date]) -> None:
    """Make sure a (zero) row exists for every bucket, even when another worker inserts it meanwhile."""
    if connection.features.supports_ignore_conflicts:
        model.objects.bulk_create([model(**scope, **{key: bucket}) for bucket in buckets], ignore_conflicts=True)
        return
    existing = set(model.objects.filter(**scope, **{f"{key}__in": buckets}).values_list(key, flat=True))
    for bucket in buckets:
        if bucket in existing:
            continue
        try:
            with transaction.atomic():
                model.objects.create(**scope, **{key: bucket})
        except IntegrityError:
            pass  # another worker created it: the UPDATE that follows adds to theirs


# --- Recomputing from DailyTraffic -------------------------------------------------------------


def tenant_days_rebuild(
    *, tenant_id: int, start: date | None = None, end: date | None = None, models: RollupModels | None = None
) -> int:
    """Recompute the tenant's daily rollups in [start, end] (all days when open) from DailyTraffic."""
    models = models or RollupModels()
    bounds: dict[str, date] = {}
    if start is not None:
        bounds["date__gte"] = start
    if end is not None:
        bounds["date__lte"] = end
    models.tenant_rollup.objects.filter(tenant_id=tenant_id, **bounds).delete()
    rows = (
        models.daily.objects.filter(repository__tenant_id=tenant_id, **bounds)
        .values("date")
        .annotate(views_sum=Sum("views"), clones_sum=Sum("clones"), peak_uv=Max("unique_views"),
                  peak_uc=Max("unique_clones"), covered=Count("id"))
    )
    created = models.tenant_rollup.objects.bulk_create(
        [
            models.tenant_rollup(tenant_id=tenant_id, date=row["date"], views=row["views_sum"],
                                 clones=row["clones_sum"], peak_unique_views=row["peak_uv"],
                                 peak_unique_clones=row["peak_uc"], repos_covered=row["covered"])
            for row in rows
        ],
        batch_size=1000,
    )
    return len(created)


def repository_months_rebuild(*, tenant_id: int, models: RollupModels | None = None) -> int:
    """Recompute the monthly rollups of every repository of the tenant from DailyTraffic."""
    models = models or RollupModels()
    models.repository_rollup.objects.filter(repository__tenant_id=tenant_id).delete()
    # TruncMonth calls a Python function per row on SQLite (minutes at a million rows); there the
    # stored 'YYYY-MM-DD' text gives the month with a native substring instead.
    month = Substr("date", 1, 7) if connection.vendor == "sqlite" else TruncMonth("date")
    rows = (
        models.daily.objects.filter(repository__tenant_id=tenant_id)
        .annotate(month=month)
        .values("repository_id", "month")
        .annotate(views_sum=Sum("views"), clones_sum=Sum("clones"), days=Count("id"))
    )
    created = models.repository_rollup.objects.bulk_create(
        [
            models.repository_rollup(repository_id=row["repository_id"], month=as_date(row["month"]),
                                     views=row["views_sum"], clones=row["clones_sum"], days=row["days"])
            for row in rows
        ],
        batch_size=1000,
    )
    return len(created)


def latest_snapshots_rebuild(*, tenant_id: int, models: RollupModels | None = None) -> int:
    """Recompute the latest snapshot dates of every repository of the tenant (those with a snapshot)."""
    models = models or RollupModels()
    models.latest.objects.filter(repository__tenant_id=tenant_id).delete()
    dates: dict[int, dict[str, date]] = defaultdict(dict)
    for field_name, model in (("referrers", models.referrer), ("paths", models.path)):
        for repository_id, last in (
            model.objects.filter(repository__tenant_id=tenant_id).values("repository_id").annotate(last=Max("date"))
            .values_list("repository_id", "last")
        ):
            dates[repository_id][field_name] = last
    created = models.latest.objects.bulk_create(
        [models.latest(repository_id=repository_id, **found) for repository_id, found in dates.items()],
        batch_size=1000,
    )
    return len(created)


def latest_snapshot_note(*, repo_id: int) -> None:
    """After the store wrote this repository's snapshots: its pointer := its newest snapshot dates.

    Read back with MAX(date) in the same statement (an index probe each), so a replaced or emptied
    snapshot of the same day leaves the pointer exact too. 1 statement (an upsert) on PostgreSQL and SQLite.
    """
    if connection.vendor in UPSERT_VENDORS:
        quote = connection.ops.quote_name
        table = quote(LatestSnapshot._meta.db_table)
        newest = [f"(SELECT MAX(date) FROM {quote(model._meta.db_table)} WHERE repository_id = %s)"
                  for model in (ReferrerSnapshot, PathSnapshot)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (repository_id, referrers, paths) VALUES (%s, {newest[0]}, {newest[1]}) "
                f"ON CONFLICT (repository_id) DO UPDATE SET referrers = excluded.referrers, paths = excluded.paths",
                [repo_id, repo_id, repo_id],
            )
        return
    newest_dates = {
        field_name: Subquery(model.objects.filter(repository_id=OuterRef("repository_id")).order_by("-date")
                             .values("date")[:1])
        for field_name, model in (("referrers", ReferrerSnapshot), ("paths", PathSnapshot))
    }
    if not LatestSnapshot.objects.filter(repository_id=repo_id).update(**newest_dates):
        LatestSnapshot.objects.bulk_create([LatestSnapshot(repository_id=repo_id)], ignore_conflicts=True)
        LatestSnapshot.objects.filter(repository_id=repo_id).update(**newest_dates)


def snapshot_post_save(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    latest_snapshot_note(repo_id=instance.repository_id)


def repository_weeks_rebuild(*, tenant_id: int, models: RollupModels | None = None) -> int:
    """Recompute the weekly rollups of every repository of the tenant from DailyTraffic."""
    models = models or RollupModels()
    models.weekly.objects.filter(repository__tenant_id=tenant_id).delete()
    # The Monday on or before each day, natively (TruncWeek calls Python per row on SQLite):
    # SQLite's 'weekday 0' moves to the next Sunday (or stays), 6 days back is that week's Monday.
    week = (Func(F("date"), Value("weekday 0"), Value("-6 days"), function="date", output_field=CharField())
            if connection.vendor == "sqlite" else TruncWeek("date"))
    rows = (
        models.daily.objects.filter(repository__tenant_id=tenant_id)
        .annotate(week=week)
        .values("repository_id", "week")
        .annotate(views_sum=Sum("views"), clones_sum=Sum("clones"), days=Count("id"))
    )
    created = models.weekly.objects.bulk_create(
        [
            models.weekly(repository_id=row["repository_id"], week=as_day(row["week"]), views=row["views_sum"],
                          clones=row["clones_sum"], days=row["days"])
            for row in rows
        ],
        batch_size=1000,
    )
    return len(created)


def as_day(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def rollups_rebuild(*, tenant_ids: Iterable[int], models: RollupModels | None = None) -> dict[int, int]:
    """Recompute all rollups of these tenants; returns the daily rollup rows per tenant."""
    models = models or RollupModels()
    built = {}
    for tenant_id in tenant_ids:
        with transaction.atomic():
            built[tenant_id] = tenant_days_rebuild(tenant_id=tenant_id, models=models)
            repository_months_rebuild(tenant_id=tenant_id, models=models)
            if models.latest is not None:  # a migration older than these tables passes none
                latest_snapshots_rebuild(tenant_id=tenant_id, models=models)
            if models.weekly is not None:
                repository_weeks_rebuild(tenant_id=tenant_id, models=models)
    return built


class RollupModels:
    """The model classes to use: the live ones, or a data migration's historical ones."""

    def __init__(self, daily: Any = DailyTraffic, tenant_rollup: Any = TenantDailyRollup,
                 repository_rollup: Any = RepositoryMonthlyRollup, latest: Any = None, referrer: Any = None,
                 path: Any = None, weekly: Any = None) -> None:
        self.daily, self.tenant_rollup, self.repository_rollup = daily, tenant_rollup, repository_rollup
        live = daily is DailyTraffic and latest is None
        # The live models by default; a data migration names the historical ones it has (0007: none).
        self.latest = LatestSnapshot if live else latest
        self.weekly = RepositoryWeeklyRollup if live else weekly
        self.referrer = referrer or ReferrerSnapshot
        self.path = path or PathSnapshot


def as_date(value: Any) -> date:
    # TruncMonth gives datetimes on some backends, dates on others; the SQLite substring 'YYYY-MM'.
    if isinstance(value, str):
        return date(int(value[:4]), int(value[5:7]), 1)
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Repository removal ------------------------------------------------------------------------


def repository_pre_delete(sender: type[Model], instance: Any, origin: Any = None, **kwargs: Any) -> None:
    """Note the days the repository has history for, unless its whole tenant is being deleted."""
    if _tenant_deleted(origin):
        return
    span = DailyTraffic.objects.filter(repository_id=instance.pk).aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is not None:
        instance._rollup_span = (instance.tenant_id, span["first"], span["last"])


def repository_post_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """Its daily rows are gone (same transaction): recompute its tenant's days it had."""
    span = getattr(instance, "_rollup_span", None)
    if span is not None:
        tenant_id, first, last = span
        tenant_days_rebuild(tenant_id=tenant_id, start=first, end=last)


def _tenant_deleted(origin: Any) -> bool:
    from tenants.models import Tenant

    if isinstance(origin, Tenant):
        return True
    return getattr(origin, "model", None) is Tenant
