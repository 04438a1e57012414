"""`aggregate=period` on the referrers/paths API and the estimated panels of the dashboard and repository page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from repos.models import Repository
from stats.models import PathSnapshot, ReferrerSnapshot
from tests.traffic_support import TODAY, pin_today

BASE = "/api/v1/t/acme"
FROM, TO = (TODAY - timedelta(days=13)).isoformat(), TODAY.isoformat()


@pytest.fixture(autouse=True)
def _today(time_machine):
    pin_today(time_machine)


def steady(repo: Repository, key: str, per_day: int, *, days: int = 30, model=ReferrerSnapshot) -> None:
    """Daily snapshots of a referrer (path) with `per_day` views every day: each says 14 x per_day."""
    for offset in range(days):
        fields = {"referrer": key} if model is ReferrerSnapshot else {"path": key, "title": f"{key} title"}
        model.objects.create(repository=repo, date=TODAY - timedelta(days=offset), count=14 * per_day,
                             uniques=per_day, **fields)


def test_it_answers_estimated_views_per_referrer_for_the_period(world):
    steady(world.repo_a, "google.com", 5)
    steady(world.repo_a, "t.co", 2)
    response = world.client_for(world.viewer_a).get(
        f"{BASE}/repos/acme/rocket/referrers/", {"from": FROM, "to": TO, "aggregate": "period"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["repo"], body["from"], body["to"], body["aggregate"]) == ("acme/rocket", FROM, TO, "period")
    assert body["estimated"] is True and "14-day" in body["method"] and body["snapshot_days"] == 14
    assert body["results"][0] == {
        "referrer": "google.com", "views_estimate": 70, "views_low": 70, "views_high": 70, "exact": True,
        "uniques": None, "estimated": True, "in_top10": 14, "snapshots": 14, "repositories": 1,
    }
    week = world.client_for(world.viewer_a).get(
        f"{BASE}/repos/acme/rocket/referrers/",
        {"from": (TODAY - timedelta(days=6)).isoformat(), "to": TO, "aggregate": "period"},
    ).json()["results"][1]
    assert (week["referrer"], week["views_estimate"], week["exact"]) == ("t.co", 14, False)
    assert week["views_low"] <= 14 <= week["views_high"]


def test_it_keeps_the_snapshots_as_the_default_aggregate(world):
    steady(world.repo_a, "google.com", 5, days=2)
    body = world.client_for(world.viewer_a).get(f"{BASE}/repos/acme/rocket/referrers/").json()
    assert isinstance(body, list) and body[0]["count"] == 70 and "date" in body[0]


def test_it_answers_paths_and_a_csv_labelled_estimated(world):
    steady(world.repo_a, "/acme/rocket", 3, model=PathSnapshot)
    response = world.client_for(world.viewer_a).get(
        f"{BASE}/repos/acme/rocket/paths/", {"from": FROM, "to": TO, "aggregate": "period", "format": "csv"}
    )
    assert response.status_code == 200 and "estimated" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [{"path": "/acme/rocket", "title": "/acme/rocket title", "views_estimate": "42",
                     "views_low": "42", "views_high": "42", "exact": "true", "in_top10": "14", "snapshots": "14",
                     "repositories": "1", "estimated": "true"}]


def test_it_adds_repositories_up_tenant_wide_without_hidden_ones_for_a_limited_viewer(world):
    steady(world.repo_a, "google.com", 5)
    steady(world.repo_a_hidden, "google.com", 100)
    steady(world.repo_b, "google.com", 1000)
    query = {"from": FROM, "to": TO}
    full = world.client_for(world.owner_a).get(f"{BASE}/referrers/", query).json()
    assert full["repo"] is None and full["results"][0]["views_estimate"] == 70 + 1400
    assert full["results"][0]["repositories"] == 2
    limited = world.client_for(world.limited_viewer).get(f"{BASE}/referrers/", query).json()
    assert limited["results"][0]["views_estimate"] == 70
    assert world.client_for(world.owner_a).get(f"{BASE}/paths/", query).json()["results"] == []


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/repos/acme/rocket/referrers/", {"aggregate": "month"}, "aggregate: must be one of snapshot, period"),
        ("/repos/acme/rocket/paths/", {"aggregate": "period", "from": "2026-02-30"}, "from: expected a date"),
        ("/referrers/", {"aggregate": "snapshot"}, "aggregate: only period is available across repositories"),
        ("/paths/", {"from": "2026-11-20", "to": "2026-11-01"}, "from: must not be after to"),
    ],
)
def test_it_answers_400_naming_the_bad_parameter(world, path, query, message):
    response = world.client_for(world.viewer_a).get(f"{BASE}{path}", query)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_it_answers_404_for_another_tenants_or_a_hidden_repository(world):
    steady(world.repo_b, "google.com", 5)
    steady(world.repo_a_hidden, "google.com", 5)
    query = {"aggregate": "period"}
    assert world.client_for(world.owner_a).get(
        "/api/v1/t/globex/repos/globex/secret-plans/referrers/", query).status_code == 404
    assert world.client_for(world.owner_a).get(f"{BASE}/repos/globex/secret-plans/referrers/", query).status_code == 404
    assert world.client_for(world.limited_viewer).get(
        f"{BASE}/repos/acme/hidden-gem/referrers/", query).status_code == 404
    assert world.client_for(world.owner_a).get("/api/v1/t/globex/referrers/").status_code == 404


def test_it_documents_the_period_aggregate_in_the_schema(world):
    schema = world.client_for(world.owner_a).get("/api/v1/schema/", {"format": "json"}).json()
    referrers = schema["paths"]["/api/v1/t/{tenant_slug}/repos/{owner}/{name}/referrers/"]["get"]
    assert "aggregate" in {parameter["name"] for parameter in referrers["parameters"]}
    tenant = schema["paths"]["/api/v1/t/{tenant_slug}/referrers/"]["get"]
    assert tenant["operationId"] == "tenant_referrers" and "estimated" in tenant["description"].lower()
    assert "views_estimate" in schema["components"]["schemas"]["ReferrerEstimate"]["properties"]


def test_it_shows_the_dashboard_panels_estimated_for_the_selected_period(world):
    steady(world.repo_a, "google.com", 5)
    html = world.client_for(world.viewer_a).get("/t/acme/", {"period": "7d"}).content.decode()
    panel = html[html.index('id="referrers-title"'):]
    panel = panel[: panel.index("</section>")]
    assert ">estimated</span>" in panel and "top-10" in panel and "google.com" in panel
    # 7 of 14 days: the views of a week inside one window could lie anywhere in it (0 to all 70).
    assert "≈ 35" in panel and "0\u201370" in panel


def test_it_shows_the_repository_page_panel_estimated_and_falls_back_to_the_latest_snapshot(world):
    steady(world.repo_a, "google.com", 5)
    client = world.client_for(world.viewer_a)
    html = client.get("/t/acme/repos/acme/rocket/", {"period": "30d"}).content.decode()
    panel = html.split('id="referrers-title"')[1].split("</section>")[0]
    assert ">estimated</span>" in panel and "≈ 150" in panel and "140\u2013210" in panel and "30/30" in panel
    ReferrerSnapshot.objects.all().delete()
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="only.once", count=9, uniques=2)
    html = client.get("/t/acme/repos/acme/rocket/", {"period": "30d"}).content.decode()
    assert "Last 14 days · the latest snapshot" in html and "only.once" in html
    assert 'data-estimated="true"' not in html


def test_it_reads_the_tenant_wide_estimates_in_the_same_few_queries_whatever_the_repositories(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats.traffic import estimate_selectors
    from tenants.access import TenantAccess
    from tenants.models import Role

    access = TenantAccess(tenant=world.tenant_a, role=Role.ADMIN)
    start = TODAY - timedelta(days=29)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            panel = estimate_selectors.period_top(access=access, kind="referrers", start=start, end=TODAY)
        assert panel.estimated
        return len(captured.captured_queries)

    steady(world.repo_a, "google.com", 5)
    few = queries()
    for index in range(5):
        steady(Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"extra-{index}"), "t.co", 1)
    assert queries() == few <= 2
