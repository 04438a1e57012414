"""The traffic API: buckets, null-vs-zero, uniques, parameters, CSV, scoping and query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tenants.models import Membership, Role

BASE = "/api/v1/t/acme"


def day(value: str) -> date:
    return date.fromisoformat(value)


def add_days(repo: Repository, start: str, values: list[int | None], uniques: int = 1) -> None:
    """One DailyTraffic row per value from `start`; None leaves the day without a row (unknown)."""
    for offset, views in enumerate(values):
        if views is None:
            continue
        DailyTraffic.objects.create(
            repository=repo, date=day(start) + timedelta(days=offset), views=views,
            unique_views=min(uniques, views), clones=views // 2, unique_clones=min(uniques, views // 2),
        )
    rollups_rebuild(tenant_ids=[repo.tenant_id])  # rows written outside the collection


def test_it_returns_one_point_per_day_with_null_for_unknown_days(world):
    add_days(world.repo_a, "2026-11-01", [5, 0, None, 7])
    response = world.client_for(world.owner_a).get(
        f"{BASE}/repos/acme/rocket/traffic/", {"from": "2026-11-01", "to": "2026-11-05"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["repo"] == "acme/rocket"
    assert (body["interval"], body["from"], body["to"]) == ("day", "2026-11-01", "2026-11-05")
    assert [p["views"] for p in body["results"]] == [5, 0, None, 7, None]
    assert body["results"][1] == {
        "date": "2026-11-02", "views": 0, "unique_views": 0, "clones": 0, "unique_clones": 0,
        "days_covered": 1, "days_expected": 1, "complete": True,
        "ci_clones_estimate": None, "clones_human_estimate": None,  # the CI-clone estimate is off
    }
    assert (body["results"][2]["days_covered"], body["results"][2]["complete"]) == (0, False)
    assert body["results"][2] == {"date": "2026-11-03", "views": None, "unique_views": None, "clones": None,
                                  "unique_clones": None, "days_covered": 0, "days_expected": 1, "complete": False,
                                  "ci_clones_estimate": None, "clones_human_estimate": None}
    assert body["totals"] == {"views": 12, "clones": 5, "ci_clones_estimate": None, "clones_human_estimate": None}


@time_machine.travel(datetime(2026, 11, 20, 23, 30, tzinfo=UTC), tick=False)
def test_it_defaults_to_the_last_30_days_by_day(world):
    body = world.client_for(world.owner_a).get(f"{BASE}/repos/acme/rocket/traffic/").json()
    assert (body["from"], body["to"], body["interval"]) == ("2026-10-22", "2026-11-20", "day")
    assert len(body["results"]) == 30
    assert body["totals"] == {"views": None, "clones": None, "ci_clones_estimate": None,
                              "clones_human_estimate": None}


def test_it_buckets_iso_weeks_across_a_year_boundary_with_github_weekly_uniques(world):
    # 2024-12-30 is the Monday of ISO week 2025-W01.
    add_days(world.repo_a, "2024-12-28", [1, 2, 3, 4, 5, 6, 7, 8, 9], uniques=1)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=day("2024-12-30"), views=0,
                                 unique_views=3, clones=0, unique_clones=2)
    body = world.client_for(world.owner_a).get(
        f"{BASE}/repos/acme/rocket/traffic/", {"from": "2024-12-28", "to": "2025-01-05", "interval": "week"}
    ).json()
    results = body["results"]
    assert [p["date"] for p in results] == ["2024-12-23", "2024-12-30"]
    assert results[0]["views"] == 1 + 2 and results[0]["unique_views"] is None  # no weekly row from GitHub
    assert results[1]["views"] == sum(range(3, 10))
    # GitHub's de-duplicated weekly uniques, not the sum of 7 daily uniques (7).
    assert (results[1]["unique_views"], results[1]["unique_clones"]) == (3, 2)


def test_it_buckets_months_across_a_year_boundary_without_uniques(world):
    add_days(world.repo_a, "2025-12-30", [10, 20, 30, None, 40])
    body = world.client_for(world.owner_a).get(
        f"{BASE}/repos/acme/rocket/traffic/", {"from": "2025-11-15", "to": "2026-02-10", "interval": "month"}
    ).json()
    assert [(p["date"], p["views"], p["unique_views"]) for p in body["results"]] == [
        ("2025-11-01", None, None), ("2025-12-01", 30, None), ("2026-01-01", 70, None), ("2026-02-01", None, None),
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "from: "),
        ({"to": "yesterday"}, "to: "),
        ({"interval": "year"}, "interval: "),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "from: must not be after to"),
        ({"from": "2015-01-01", "to": "2026-01-01"}, "from: the range is longer"),
    ],
)
def test_it_rejects_bad_parameters_naming_them(world, params, message):
    client = world.client_for(world.owner_a)
    for url in (f"{BASE}/repos/acme/rocket/traffic/", f"{BASE}/traffic/"):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert response.json()["error"].startswith(message)
    if "interval" not in params:
        for kind in ("referrers", "paths", "stars"):
            response = client.get(f"{BASE}/repos/acme/rocket/{kind}/", params)
            assert response.status_code == 400 and response.json()["error"].startswith(message)


def test_it_hides_other_tenants_and_unknown_repositories(world, client):
    own = world.client_for(world.owner_a)
    assert own.get(f"{BASE}/repos/globex/secret-plans/traffic/").status_code == 404
    assert own.get(f"{BASE}/repos/acme/nope/referrers/").json() == {"error": "repository not found"}
    assert own.get("/api/v1/t/globex/traffic/").status_code == 404
    assert client.get(f"{BASE}/traffic/").status_code == 401


def test_it_accepts_a_token_and_case_insensitive_names(world):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=world.owner_a)
    response = world.client_for(world.owner_b).__class__().get(
        f"{BASE}/repos/ACME/Rocket/traffic/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200 and response.json()["repo"] == "acme/rocket"


def test_it_totals_the_tenant_and_ranks_repositories_by_views(world):
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    add_days(world.repo_a, "2026-11-01", [5, None, 1])
    add_days(other, "2026-11-01", [10, None, None])
    add_days(world.repo_b, "2026-11-01", [1000, 1000, 1000])  # another tenant: never counted
    body = world.client_for(world.owner_a).get(f"{BASE}/traffic/", {"from": "2026-11-01", "to": "2026-11-03"}).json()
    # Three followed repositories: a day is complete only when all three have it.
    assert body["results"] == [
        {"date": "2026-11-01", "views": 15, "clones": 7, "days_covered": 2, "days_expected": 3, "complete": False},
        {"date": "2026-11-02", "views": None, "clones": None, "days_covered": 0, "days_expected": 3,
         "complete": False},
        {"date": "2026-11-03", "views": 1, "clones": 0, "days_covered": 1, "days_expected": 3, "complete": False},
    ]
    assert body["totals"] == {"views": 16, "clones": 7}
    assert body["repos"] == [
        {"full_name": "acme/zeppelin", "views": 10, "clones": 5},
        {"full_name": "acme/rocket", "views": 6, "clones": 2},
        {"full_name": "acme/hidden-gem", "views": None, "clones": None},  # no stored days: listed, never 0
    ]


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_it_answers_the_tenant_endpoint_exactly_as_its_serializer_would(world, interval):
    """The endpoint builds its JSON without DRF's per-field work: it must equal the documented serializer."""
    from stats.api.serializers import TenantTrafficSerializer
    from stats.traffic import coverage, selectors
    from tenants.access import tenant_access_for

    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="Zeppelin")
    Repository.objects.create(tenant=world.tenant_a, owner="acme", name="retired", active=False)
    add_days(world.repo_a, "2026-10-20", [5, None, 1, 0, 9, None, None, 3] * 3)
    add_days(other, "2026-10-25", [10, None, None, 2, 2])
    for user in (world.owner_a, world.limited_viewer):
        params = {"from": "2026-10-22", "to": "2026-11-12", "interval": interval}
        body = world.client_for(user).get(f"{BASE}/traffic/", params).json()
        access = tenant_access_for(user=user, slug="acme")
        assert access is not None
        start, end = day(params["from"]), day(params["to"])
        points = coverage.tenant_traffic_with_coverage(access=access, interval=interval, start=start, end=end)
        expected = TenantTrafficSerializer({
            "interval": interval, "start": start, "end": end, "results": points,
            "totals": selectors.totals_of(points),
            "repos": selectors.tenant_repository_totals(access=access, start=start, end=end),
        }).data
        assert body == expected


def test_it_limits_a_repo_limited_viewer_everywhere(world):
    add_days(world.repo_a, "2026-11-01", [5])
    add_days(world.repo_a_hidden, "2026-11-01", [100])
    client = world.client_for(world.limited_viewer)
    body = client.get(f"{BASE}/traffic/", {"from": "2026-11-01", "to": "2026-11-01"}).json()
    assert body["totals"]["views"] == 5
    assert [r["full_name"] for r in body["repos"]] == ["acme/rocket"]
    assert client.get(f"{BASE}/repos/acme/hidden-gem/traffic/").status_code == 404


def test_it_lists_referrer_and_path_snapshots_and_daily_stars(world):
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=day("2026-11-02"), referrer="github.com",
                                    count=40, uniques=9)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=day("2026-10-01"), referrer="old.example",
                                    count=1, uniques=1)
    PathSnapshot.objects.create(repository=world.repo_a, date=day("2026-11-02"), path="/acme/rocket",
                                title="Rocket", count=12, uniques=3)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=day("2026-11-02"), stars=7, forks=2, watchers=3)
    client = world.client_for(world.viewer_a)
    params = {"from": "2026-11-01", "to": "2026-11-03"}
    assert client.get(f"{BASE}/repos/acme/rocket/referrers/", params).json() == [
        {"date": "2026-11-02", "referrer": "github.com", "count": 40, "uniques": 9}
    ]
    assert client.get(f"{BASE}/repos/acme/rocket/paths/", params).json() == [
        {"date": "2026-11-02", "path": "/acme/rocket", "title": "Rocket", "count": 12, "uniques": 3}
    ]
    assert client.get(f"{BASE}/repos/acme/rocket/stars/", params).json() == [
        {"date": "2026-11-01", "stars": None, "forks": None, "watchers": None},
        {"date": "2026-11-02", "stars": 7, "forks": 2, "watchers": 3},
        {"date": "2026-11-03", "stars": None, "forks": None, "watchers": None},
    ]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_exports_csv_by_format_parameter_or_accept_header(world):
    add_days(world.repo_a, "2026-11-01", [5, None])
    client = world.client_for(world.owner_a)
    params = {"from": "2026-11-01", "to": "2026-11-02"}
    by_param = client.get(f"{BASE}/repos/acme/rocket/traffic/", {**params, "format": "csv"})
    by_header = client.get(f"{BASE}/repos/acme/rocket/traffic/", params, HTTP_ACCEPT="text/csv")
    for response in (by_param, by_header):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert _csv(response) == [
            ["repo", "date", "views", "unique_views", "clones", "unique_clones", "days_covered", "days_expected",
             "complete"],
            ["acme/rocket", "2026-11-01", "5", "1", "2", "1", "1", "1", "true"],
            ["acme/rocket", "2026-11-02", "", "", "", "", "0", "1", "false"],
        ]
        assert 'filename="acme-rocket-traffic-day-2026-11-01-2026-11-02.csv"' in response["Content-Disposition"]
    tenant = client.get(f"{BASE}/traffic/", {**params, "format": "csv"})
    assert _csv(tenant)[0] == ["date", "views", "clones", "days_covered", "days_expected", "complete"]
    assert _csv(tenant)[1][:3] == ["2026-11-01", "5", "2"]
    assert "acme-traffic-day-2026-11-01-2026-11-02.csv" in tenant["Content-Disposition"]
    bad = client.get(f"{BASE}/traffic/", {"from": "nope", "format": "csv"})
    assert bad.status_code == 400 and _csv(bad)[0] == ["error"]


def test_it_quotes_csv_and_neutralises_spreadsheet_formulas(world):
    for index, referrer in enumerate(['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "a,b \"quoted\"", "plain"]):
        ReferrerSnapshot.objects.create(repository=world.repo_a, date=day("2026-11-02"), referrer=referrer,
                                        count=10 - index, uniques=1)
    PathSnapshot.objects.create(repository=world.repo_a, date=day("2026-11-02"), path="/p", title="\tTab",
                                count=1, uniques=1)
    client = world.client_for(world.owner_a)
    params = {"from": "2026-11-01", "to": "2026-11-03", "format": "csv"}
    rows = _csv(client.get(f"{BASE}/repos/acme/rocket/referrers/", params))
    assert rows[0] == ["date", "referrer", "count", "uniques"]
    assert [row[1] for row in rows[1:]] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", 'a,b "quoted"', "plain",
    ]
    raw = client.get(f"{BASE}/repos/acme/rocket/referrers/", params).content.decode()
    assert '"a,b ""quoted"""' in raw
    paths = _csv(client.get(f"{BASE}/repos/acme/rocket/paths/", params))
    assert paths[1] == ["2026-11-02", "/p", "'\tTab", "1", "1"]


def _world_with(world, repos: int, days: int) -> None:
    for index in range(repos):
        repo = Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"r{index}")
        add_days(repo, "2026-01-01", list(range(1, days + 1)))
        WeeklyTraffic.objects.create(repository=repo, week_start=day("2026-01-05"), unique_views=1, unique_clones=1)
        ReferrerSnapshot.objects.create(repository=repo, date=day("2026-01-02"), referrer="x", count=1, uniques=1)
        RepositoryMetrics.objects.create(repository=repo, date=day("2026-01-02"), stars=1)


def _count_queries(world, django_assert_max_num_queries, url: str, params: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client_for(world.owner_a)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    with django_assert_max_num_queries(12):
        client.get(url, params)
    return len(captured)


@pytest.mark.parametrize(
    "path",
    ["traffic/", "repos/acme/r0/traffic/", "repos/acme/r0/referrers/", "repos/acme/r0/paths/", "repos/acme/r0/stars/"],
)
@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_it_keeps_query_counts_flat_as_repos_and_days_grow(world, django_assert_max_num_queries, path, interval):
    params = {"from": "2026-01-01", "to": "2026-04-30", "interval": interval}
    if "traffic" not in path:
        params.pop("interval")
    _world_with(world, repos=1, days=3)
    small = _count_queries(world, django_assert_max_num_queries, f"{BASE}/{path}", params)
    Repository.objects.filter(tenant=world.tenant_a, name="r0").delete()
    _world_with(world, repos=6, days=90)
    large = _count_queries(world, django_assert_max_num_queries, f"{BASE}/{path}", params)
    assert small == large


def test_it_never_counts_another_users_token_role_as_access(world):
    stranger = User.objects.create_user("mallory", "m@example.test", "x")
    Membership.objects.create(user=stranger, tenant=world.tenant_b, role=Role.ADMIN)
    assert world.client_for(stranger).get(f"{BASE}/repos/acme/rocket/stars/").status_code == 404


def test_it_gives_weekly_uniques_only_for_whole_weeks_in_the_range(world):
    # A week cut by from/to has partial views; GitHub's weekly uniques cover the whole week: null instead.
    monday = date(2026, 11, 2)
    for offset in range(14):
        DailyTraffic.objects.create(repository=world.repo_a, date=monday + timedelta(days=offset), views=10)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday, views=70, unique_views=21)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday + timedelta(days=7), views=70,
                                 unique_views=22)
    client = world.client_for(world.viewer_a)
    url = f"{BASE}/repos/acme/rocket/traffic/?interval=week"
    whole = client.get(f"{url}&from=2026-11-02&to=2026-11-15").json()["results"]
    assert [(p["date"], p["views"], p["unique_views"]) for p in whole] == [
        ("2026-11-02", 70, 21),
        ("2026-11-09", 70, 22),
    ]
    cut = client.get(f"{url}&from=2026-11-04&to=2026-11-15").json()["results"]
    assert [(p["date"], p["views"], p["unique_views"]) for p in cut] == [
        ("2026-11-02", 50, None),
        ("2026-11-09", 70, 22),
    ]
    cut_end = client.get(f"{url}&from=2026-11-02&to=2026-11-12").json()["results"]
    assert [(p["date"], p["views"], p["unique_views"]) for p in cut_end] == [
        ("2026-11-02", 70, 21),
        ("2026-11-09", 40, None),
    ]
