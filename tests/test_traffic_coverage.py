"""Coverage of every aggregate: which buckets are whole and fully collected, in the API, CSV and tables."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, WeeklyTraffic
from stats.traffic import table_selectors
from stats.traffic.periods import bucket_days_in_range, bucket_length
from tenants.access import TenantAccess

# Tenant A's repositories are the ones each test sets up: acme/hidden-gem leaves the world.
pytestmark = pytest.mark.usefixtures("rocket_only")

BASE = "/api/v1/t/acme"
MONDAY = date(2026, 11, 2)


def fill(repo: Repository, start: date, days: int, skip: tuple[int, ...] = ()) -> None:
    DailyTraffic.objects.bulk_create(
        DailyTraffic(repository=repo, date=start + timedelta(days=offset), views=10, unique_views=2, clones=4,
                     unique_clones=1)
        for offset in range(days)
        if offset not in skip
    )
    rollups_rebuild(tenant_ids=[repo.tenant_id])  # rows written outside the collection


def test_it_counts_bucket_days_inside_a_range():
    assert bucket_length(date(2026, 2, 1), "month") == 28 and bucket_length(MONDAY, "week") == 7
    assert bucket_days_in_range(MONDAY, "week", MONDAY + timedelta(days=2), date(2026, 12, 1)) == 5
    assert bucket_days_in_range(date(2026, 11, 1), "month", date(2026, 10, 1), date(2026, 11, 10)) == 10


def test_it_marks_a_range_cut_first_week_incomplete_and_whole_collected_weeks_complete(world):
    fill(world.repo_a, MONDAY, 21)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=MONDAY, views=70, unique_views=9)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=MONDAY + timedelta(days=7), views=70,
                                 unique_views=8)
    client = world.client_for(world.viewer_a)
    body = client.get(f"{BASE}/repos/acme/rocket/traffic/",
                      {"interval": "week", "from": "2026-11-04", "to": "2026-11-18"}).json()
    summary = [(p["date"], p["views"], p["unique_views"], p["days_covered"], p["days_expected"], p["complete"])
               for p in body["results"]]
    assert summary == [
        ("2026-11-02", 50, None, 5, 5, False),  # starts before `from`: partial, no whole-week uniques
        ("2026-11-09", 70, 8, 7, 7, True),
        ("2026-11-16", 30, None, 3, 3, False),  # runs past `to`
    ]


def test_it_counts_uncollected_days_in_a_week_and_a_month(world):
    fill(world.repo_a, MONDAY, 14, skip=(3, 4))
    client = world.client_for(world.owner_a)
    weeks = client.get(f"{BASE}/repos/acme/rocket/traffic/",
                       {"interval": "week", "from": "2026-11-02", "to": "2026-11-15"}).json()["results"]
    assert [(p["days_covered"], p["complete"]) for p in weeks] == [(5, False), (7, True)]
    months = client.get(f"{BASE}/repos/acme/rocket/traffic/",
                        {"interval": "month", "from": "2026-11-01", "to": "2026-11-30"}).json()["results"]
    assert [(p["days_covered"], p["days_expected"], p["complete"]) for p in months] == [(12, 30, False)]


def test_it_counts_tenant_coverage_in_repository_days_of_followed_repositories(world):
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    Repository.objects.create(tenant=world.tenant_a, owner="acme", name="paused", active=False)
    fill(world.repo_a, MONDAY, 14)
    fill(other, MONDAY, 14, skip=(9,))
    fill(world.repo_b, MONDAY, 14)  # another tenant's repository never counts
    body = world.client_for(world.owner_a).get(
        f"{BASE}/traffic/", {"interval": "week", "from": "2026-11-02", "to": "2026-11-15"}
    ).json()
    assert [(p["views"], p["days_covered"], p["days_expected"], p["complete"]) for p in body["results"]] == [
        (140, 14, 14, True),
        (130, 13, 14, False),
    ]
    rows = list(csv.reader(io.StringIO(world.client_for(world.owner_a).get(
        f"{BASE}/traffic/", {"interval": "week", "from": "2026-11-02", "to": "2026-11-15", "format": "csv"}
    ).content.decode())))
    assert rows[1:] == [
        ["2026-11-02", "140", "56", "14", "14", "true"],
        ["2026-11-09", "130", "52", "13", "14", "false"],
    ]


def test_it_counts_coverage_in_one_query_whatever_the_number_of_buckets(world, django_assert_num_queries):
    from stats.traffic import coverage

    fill(world.repo_a, MONDAY, 60)
    access = TenantAccess.full(world.tenant_a)
    # Followed repositories, then the one grouped coverage read, then the sums.
    with django_assert_num_queries(3):
        points = coverage.tenant_traffic_with_coverage(
            access=access, interval="day", start=MONDAY, end=MONDAY + timedelta(days=59)
        )
    assert all(point.complete for point in points)


def test_it_gives_tables_the_api_rule_for_range_cut_weeks(world):
    fill(world.repo_a, MONDAY, 14)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=MONDAY, views=70, unique_views=9)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=MONDAY + timedelta(days=7), views=70,
                                 unique_views=8)
    access = TenantAccess.full(world.tenant_a)
    start, end = MONDAY + timedelta(days=3), MONDAY + timedelta(days=13)
    queryset = table_selectors.traffic_table_queryset(access=access, interval="week", start=start, end=end, sort="date")
    rows = table_selectors.traffic_table_rows(access=access, interval="week", rows=queryset, start=start, end=end)
    assert [(r.date, r.views, r.unique_views, r.days_covered, r.days_expected, r.complete) for r in rows] == [
        (MONDAY, 40, None, 4, 4, False),
        (MONDAY + timedelta(days=7), 70, 8, 7, 7, True),
    ]
    page = world.client_for(world.owner_a).get(
        "/t/acme/traffic/", {"interval": "week", "from": start.isoformat(), "to": end.isoformat(), "sort": "date"}
    ).content.decode()
    assert "partial" in page and "4 of 7 days" in page
    exported = world.client_for(world.owner_a).get(
        "/t/acme/traffic/",
        {"interval": "week", "from": start.isoformat(), "to": end.isoformat(), "sort": "date", "format": "csv"},
    ).getvalue().decode()
    table = list(csv.reader(io.StringIO(exported)))
    assert table[0][-3:] == ["days_covered", "days_expected", "complete"]
    assert table[1] == ["acme/rocket", "2026-11-02", "40", "", "16", "", "4", "4", "false"]


def test_it_reads_the_dates_the_pages_write_and_keeps_the_interval_across_periods(world):
    fill(world.repo_a, MONDAY, 14)
    response = world.client_for(world.owner_a).get(
        "/t/acme/", {"period": "custom", "from": "2 Nov 2026", "to": "15 Nov 2026", "interval": "week"}
    )
    period = response.context["period"]
    assert (period.start, period.end, period.interval) == (MONDAY, date(2026, 11, 15), "week")
    links = {link["key"]: link["url"] for link in response.context["period_links"]}
    assert "interval=week" in links["90d"] and "from=" not in links["90d"]
    chart = response.context["chart"]
    assert chart["complete"] == [True, True] and chart["notes"] == ["", ""]
    assert "format=csv" in response.context["csv_url"] and "from=2026-11-02" in response.context["csv_url"]
    cut = world.client_for(world.owner_a).get(
        "/t/acme/", {"period": "custom", "from": "2026-11-04", "to": "2026-11-15", "interval": "week"}
    ).context["chart"]
    assert cut["complete"] == [False, True]
    assert cut["notes"] == ["only 5 of 7 days in the range · 5 of 5 repository-days collected", ""]


def test_it_reads_whole_tenant_coverage_from_the_rollups_exactly_as_from_the_rows(world):
    from stats.traffic import coverage

    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    fill(world.repo_a, MONDAY, 20)
    fill(other, MONDAY, 20, skip=(3, 4, 11))
    third = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="airship")
    fill(third, MONDAY, 20, skip=tuple(range(0, 20, 2)))
    access = TenantAccess.full(world.tenant_a)
    ids = list(Repository.objects.filter(tenant=world.tenant_a).values_list("pk", flat=True))
    for interval in ("day", "week", "month"):
        args = {"access": access, "interval": interval, "start": MONDAY, "end": MONDAY + timedelta(days=25)}
        from_rollups = coverage.tenant_traffic_with_coverage(**args)  # the whole tenant: rollup path
        from_rows = coverage.tenant_traffic_with_coverage(**args, repository_ids=ids)  # the same set, raw rows
        assert [(p.days_covered, p.days_expected, p.complete) for p in from_rollups] == [
            (p.days_covered, p.days_expected, p.complete) for p in from_rows
        ], interval
