"""Rollups answer exactly what the raw DailyTraffic aggregates answer, whatever happened before.

Random histories: collections through the store (new days, max-merges raising old days, GitHub's
zero-filled windows), repositories removed, deactivated or added, bulk imports followed by a
rebuild. Then, for random ranges and intervals, every tenant-wide read through the rollups equals
the same read through the raw path (a viewer limited to every repository takes the raw path).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repos.github import ApiResponse
from repos.models import Repository
from repos.services import repository_remove, repository_set_active
from stats.collection.rollups import rollups_rebuild
from stats.collection.store import _daily_store, _snapshots_store
from stats.models import (
    DailyTraffic,
    LatestSnapshot,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMonthlyRollup,
    RepositoryWeeklyRollup,
    TenantDailyRollup,
)
from stats.traffic import selectors, snapshot_selectors
from stats.traffic.periods import DateRange
from tenants.access import TenantAccess
from tenants.models import Role

BASE = date(2025, 1, 20)
SPAN = 130  # days the histories move in: crosses several month and week edges

counts = st.integers(min_value=0, max_value=60)
bucket = st.tuples(st.integers(min_value=0, max_value=14), counts, counts)
collect = st.tuples(
    st.just("collect"), st.integers(0, 3), st.integers(14, SPAN - 1),
    st.lists(bucket, max_size=8), st.lists(bucket, max_size=8),
)
entry = st.tuples(st.sampled_from(["a.example", "b.example", "/x", "/y", "c"]), counts, counts)
snapshot = st.tuples(
    st.just("snapshot"), st.integers(0, 3), st.integers(0, SPAN - 1),
    st.one_of(st.none(), st.lists(entry, max_size=3)), st.one_of(st.none(), st.lists(entry, max_size=3)),
)
imported = st.tuples(st.just("import"), st.integers(0, 3), st.lists(st.tuples(st.integers(0, SPAN - 1), counts, counts),
                                                                     max_size=10))
operation = st.one_of(
    collect, collect, collect,
    st.tuples(st.just("remove"), st.integers(0, 3)),
    st.tuples(st.just("deactivate"), st.integers(0, 3)),
    st.tuples(st.just("add"), st.integers(0, 3)),
    imported,
    snapshot, snapshot,
)
a_range = st.tuples(st.integers(0, SPAN - 1), st.integers(0, SPAN - 1), st.sampled_from(["day", "week", "month"]))


def body(kind: str, today: date, buckets: list[tuple[int, int, int]]) -> ApiResponse:
    by_day = {today - timedelta(days=offset): (count, uniques) for offset, count, uniques in buckets}
    return ApiResponse(status=200, etag="", data={kind: [
        {"timestamp": f"{day.isoformat()}T00:00:00Z", "count": count, "uniques": min(uniques, count)}
        for day, (count, uniques) in sorted(by_day.items())
    ]})


def apply(tenant, repositories: list[Repository], step: tuple) -> None:  # type: ignore[no-untyped-def]
    kind, index = step[0], step[1]
    if kind == "add":
        repositories.append(Repository.objects.create(tenant=tenant, owner="acme", name=f"extra{len(repositories)}"))
        return
    live = [repo for repo in repositories if repo.pk is not None]
    if not live:
        return
    repo = live[index % len(live)]
    if kind == "collect":
        today = BASE + timedelta(days=step[2])
        with transaction.atomic():
            _daily_store(repo_id=repo.pk, tenant_id=tenant.pk, today=today, views=body("views", today, step[3]),
                         clones=body("clones", today, step[4]))
    elif kind == "snapshot":
        # Top-10 snapshots through the store (a day's own replaced, possibly emptied), or one saved by hand.
        referrers = None if step[3] is None else [{"referrer": key, "count": count, "uniques": min(uniques, count)}
                                                  for key, count, uniques in step[3]]
        paths = None if step[4] is None else [{"path": key, "title": f"T{count % 3}", "count": count,
                                               "uniques": min(uniques, count)} for key, count, uniques in step[4]]
        today = BASE + timedelta(days=step[2])
        if referrers and len(referrers) == 1 and paths is None:
            ReferrerSnapshot.objects.create(repository=repo, date=today, **referrers[0])
        else:
            with transaction.atomic():
                _snapshots_store(repo_id=repo.pk, today=today, referrers=referrers, paths=paths)
    elif kind == "remove":
        repository_remove(repository=repo)
    elif kind == "deactivate":
        repository_set_active(repository=repo, active=False)
    elif kind == "import":
        DailyTraffic.objects.bulk_create(
            [DailyTraffic(repository=repo, date=BASE + timedelta(days=offset), views=views, unique_views=views // 2,
                          clones=clones, unique_clones=clones // 3) for offset, views, clones in step[2]],
            ignore_conflicts=True,
        )
        rollups_rebuild(tenant_ids=[tenant.pk])


def rollup_rows(tenant) -> tuple[list, list, list, list]:  # type: ignore[no-untyped-def]
    return (
        list(RepositoryWeeklyRollup.objects.filter(repository__tenant=tenant).order_by("repository_id", "week")
             .values_list("repository_id", "week", "views", "clones", "days")),
        list(LatestSnapshot.objects.filter(repository__tenant=tenant).exclude(referrers=None, paths=None)
             .order_by("repository_id").values_list("repository_id", "referrers", "paths")),
        list(TenantDailyRollup.objects.filter(tenant=tenant).order_by("date").values_list(
            "date", "views", "clones", "peak_unique_views", "peak_unique_clones", "repos_covered")),
        list(RepositoryMonthlyRollup.objects.filter(repository__tenant=tenant).order_by("repository_id", "month")
             .values_list("repository_id", "month", "views", "clones", "days")),
    )


def assert_same_reads(full: TenantAccess, raw: TenantAccess, period: DateRange) -> None:
    start, end, interval = period.start, period.end, period.interval
    reads = {
        "series": lambda access: selectors.tenant_traffic_series(
            access=access, interval=interval, start=start, end=end),
        "cards": lambda access: selectors.dashboard_cards(access=access, period=period),
        "table": lambda access: selectors.tenant_repository_totals(
            access=access, start=start, end=end, previous=period.previous(), spark_interval=interval),
        "totals": lambda access: selectors.tenant_repository_totals(access=access, start=start, end=end),
        "table, 2 sparklines": lambda access: selectors.tenant_repository_totals(
            access=access, start=start, end=end, previous=period.previous(), spark_interval=interval, spark_limit=2),
        "first day": lambda access: selectors.first_stored_day(access=access),
    }
    for name, read in reads.items():
        assert read(full) == read(raw), f"{name} for {period}"
    for model, key, top in ((ReferrerSnapshot, "referrer", snapshot_selectors.top_referrers),
                            (PathSnapshot, "path", snapshot_selectors.top_paths)):
        for access in (full, raw):
            expected = top_by_brute_force(model, key, access, start, end)
            assert [(e.key, e.title, e.count, e.repositories) for e in top(access=access, start=start, end=end)] \
                == expected, f"top {key}s for {period}"


def top_by_brute_force(model, key: str, access: TenantAccess, start: date, end: date) -> list:  # type: ignore[no-untyped-def]
    """Each visible repository's newest snapshot in [start, end], added up per key in Python."""
    rows = list(model.objects.filter(repository__in=access.repositories(), date__gte=start, date__lte=end))
    newest: dict[int, date] = {}
    for row in rows:
        newest[row.repository_id] = max(newest.get(row.repository_id, row.date), row.date)
    merged: dict[str, list] = {}
    for row in rows:
        if row.date == newest[row.repository_id]:
            found = merged.setdefault(getattr(row, key), [0, set(), ""])
            found[0] += row.count
            found[1].add(row.repository_id)
            found[2] = max(found[2], getattr(row, "title", ""))
    entries = [(name, title or name, count, len(repos)) for name, (count, repos, title) in merged.items()]
    return sorted(entries, key=lambda entry: (-entry[2], entry[0]))[:10]


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(operation, min_size=1, max_size=12), ranges=st.lists(a_range, min_size=1, max_size=4))
def test_it_answers_like_the_raw_aggregates_after_any_history(world, steps, ranges) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        tenant = world.tenant_a
        # Fetched afresh: an earlier example may have removed (pk None) the fixture's instance, then rolled back.
        repositories = [*Repository.objects.filter(tenant=tenant),
                        *(Repository.objects.create(tenant=tenant, owner="acme", name=f"r{n}") for n in range(2))]
        # Another tenant's traffic must never leak into this one's rollups.
        _daily_store(repo_id=world.repo_b.pk, tenant_id=world.tenant_b.pk, today=BASE + timedelta(days=40),
                     views=body("views", BASE + timedelta(days=40), [(0, 50, 9)]), clones=body("clones", BASE, []))
        for step in steps:
            apply(tenant, repositories, step)

        maintained = rollup_rows(tenant)
        rollups_rebuild(tenant_ids=[tenant.pk])
        assert rollup_rows(tenant) == maintained, "maintained rollups differ from a rebuild"

        full = TenantAccess.full(tenant)
        ids = frozenset(Repository.objects.filter(tenant=tenant).values_list("pk", flat=True))
        raw = TenantAccess(tenant=tenant, role=Role.ADMIN, repository_ids=ids)  # limited to all: the raw path
        for first, last, interval in ranges:
            start, end = BASE + timedelta(days=min(first, last)), BASE + timedelta(days=max(first, last))
            assert_same_reads(full, raw, DateRange(start=start, end=end, interval=interval))
        transaction.set_rollback(True)
