"""Periods, buckets and traffic selectors, and query counts of the pages that use them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from stats.traffic import selectors
from stats.traffic.periods import MAX_RANGE_DAYS, ParameterError, bucket_starts, parse_range
from tenants.access import TenantAccess

TODAY = date(2026, 11, 20)


def test_it_buckets_iso_weeks_and_months_across_year_boundaries():
    # 2026 has 53 ISO weeks: W53 starts Monday 2026-12-28 and holds 2027-01-01.
    assert bucket_starts(date(2026, 12, 27), date(2027, 1, 4), "week") == [
        date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4),
    ]
    assert date(2026, 12, 28).isocalendar()[:2] == (2026, 53)
    assert bucket_starts(date(2026, 11, 30), date(2027, 2, 1), "month") == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1),
    ]
    assert bucket_starts(date(2024, 2, 28), date(2024, 3, 1), "day") == [
        date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1),
    ]


def test_it_parses_periods_and_rejects_bad_ones():
    assert parse_range({}, today=TODAY).start == TODAY - timedelta(days=29)
    week = parse_range({"period": "7d"}, today=TODAY, allow_period=True)
    assert (week.start, week.end, week.interval, week.period) == (TODAY - timedelta(days=6), TODAY, "day", "7d")
    year = parse_range({"period": "12mo"}, today=TODAY, allow_period=True)
    assert (year.days, year.interval) == (365, "week")
    everything = parse_range({"period": "all"}, today=TODAY, first_day=date(2010, 1, 1), allow_period=True)
    assert everything.days == MAX_RANGE_DAYS and everything.interval == "month"
    assert week.previous().end == TODAY - timedelta(days=7) and week.previous().days == 7
    with pytest.raises(ParameterError) as error:
        parse_range({"period": "forever"}, today=TODAY, allow_period=True)
    assert error.value.parameter == "period"
    with pytest.raises(ParameterError, match=r"^to: "):
        parse_range({"to": "2026/01/01"}, today=TODAY)


def test_it_fills_unknown_days_with_none_and_keeps_real_zeros(world):
    DailyTraffic.objects.create(repository=world.repo_a, date=TODAY, views=0, unique_views=0)
    access = TenantAccess.full(world.tenant_a)
    points = selectors.repository_traffic_series(
        access=access, repository=world.repo_a, interval="day", start=TODAY - timedelta(days=1), end=TODAY
    )
    assert [(p.views, p.unique_views) for p in points] == [(None, None), (0, 0)]
    assert selectors.totals_of(points).views == 0
    assert selectors.totals_of(points[:1]).views is None


def test_it_never_reads_another_tenants_repository_through_a_selector(world):
    DailyTraffic.objects.create(repository=world.repo_b, date=TODAY, views=50)
    access = TenantAccess.full(world.tenant_a)
    points = selectors.repository_traffic_series(
        access=access, repository=world.repo_b, interval="day", start=TODAY, end=TODAY
    )
    assert points[0].views is None


def _seed(world, repos: int, days: int) -> None:
    for index in range(repos):
        repo = Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"repo{index}")
        DailyTraffic.objects.bulk_create(
            DailyTraffic(repository=repo, date=TODAY - timedelta(days=d), views=d, unique_views=1) for d in range(days)
        )
        WeeklyTraffic.objects.create(repository=repo, week_start=TODAY - timedelta(days=TODAY.weekday()))
        ReferrerSnapshot.objects.create(repository=repo, date=TODAY, referrer="x.example", count=3, uniques=1)
        RepositoryMetrics.objects.create(repository=repo, date=TODAY, stars=2)
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])  # rows written outside the collection


PAGES = [
    ("/t/acme/", {"period": "90d"}),
    ("/t/acme/", {"period": "12mo"}),
    ("/t/acme/traffic/", {"period": "90d", "interval": "day"}),
    ("/t/acme/traffic/", {"period": "90d", "interval": "week"}),
    ("/t/acme/repos/", {}),
    ("/t/acme/repos/acme/repo0/", {"period": "90d"}),
    ("/t/acme/repos/acme/repo0/", {"period": "90d", "interval": "week"}),
]


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_it_keeps_page_query_counts_flat_as_repos_and_days_grow(world, django_assert_max_num_queries, url, params):
    client = world.client_for(world.owner_a)
    _seed(world, repos=1, days=2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    Repository.objects.filter(tenant=world.tenant_a).delete()
    _seed(world, repos=8, days=80)
    # A bound, and flat: rollups, coverage, the latest plan (over capacity), the App or token, the admins'
    # credential warnings banner (2) and the release downloads card (does the tenant have releases?) all count.
    with django_assert_max_num_queries(26), CaptureQueriesContext(connection) as large:
        assert client.get(url, params).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
