"""The dashboard, the traffic tables and the repository page (server-rendered)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, timedelta

import pytest

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tenants.models import Membership

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch):
    # Views default `today` to timezone.now().date(); pin it for every page. Import the views first:
    # importing them while stats.traffic.periods is patched would bind the patched function for good.
    import repos.views
    import stats.traffic.periods
    import stats.web.dashboard
    import stats.web.repository

    for module in (stats.traffic.periods, stats.web.dashboard, stats.web.repository, repos.views):
        monkeypatch.setattr(module, "today_utc", lambda today=None: today or TODAY)


def fill(repo: Repository, days: int, views: int = 10, skip: set[int] | frozenset[int] = frozenset()) -> None:
    DailyTraffic.objects.bulk_create(
        DailyTraffic(repository=repo, date=TODAY - timedelta(days=offset), views=views, unique_views=3,
                     clones=views // 5, unique_clones=1)
        for offset in range(days) if offset not in skip
    )
    rollups_rebuild(tenant_ids=[repo.tenant_id])  # rows written outside the collection


def chart_json(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def test_it_shows_cards_chart_with_gaps_and_the_repository_table(world):
    fill(world.repo_a, 60, skip={3})
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    fill(other, 10, views=100, skip={3})
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY - timedelta(days=1), stars=40)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY - timedelta(days=40), stars=30)
    response = world.client_for(world.owner_a).get("/t/acme/", {"period": "30d"})
    assert response.status_code == 200
    html = response.content.decode()
    chart = chart_json(html, "main-chart-data")
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == "2026-11-20"
    views = chart["datasets"][0]["data"]
    assert views[-1] == 110 and views[-4] is None  # the day without a row is a gap, not 0
    cards = {card.key: card for card in response.context["cards"]}
    assert cards["views"].value == 29 * 10 + 9 * 100
    assert cards["views"].previous == 30 * 10
    assert cards["unique_views"].value == 3  # peak daily uniques, never a sum
    assert (cards["stars"].value, cards["stars"].previous) == (40, 30)
    table = html[html.index('id="repo-table"') :]
    assert table.index("acme/zeppelin") < table.index("acme/rocket")  # busiest first
    assert 'data-values="' in html and "<script>" not in html and 'style="' not in html


def test_it_changes_figures_when_the_period_changes(world):
    fill(world.repo_a, 60)
    client = world.client_for(world.owner_a)
    week = {c.key: c.value for c in client.get("/t/acme/", {"period": "7d"}).context["cards"]}
    quarter = {c.key: c.value for c in client.get("/t/acme/", {"period": "90d"}).context["cards"]}
    assert (week["views"], quarter["views"]) == (70, 600)
    custom = client.get("/t/acme/", {"from": "2026-11-01", "to": "2026-11-10", "interval": "week"})
    assert chart_json(custom.content.decode(), "main-chart-data")["labels"] == [
        "2026-10-26", "2026-11-02", "2026-11-09",
    ]


def test_it_reports_a_bad_period_and_falls_back(world):
    response = world.client_for(world.owner_a).get("/t/acme/", {"from": "2026-02-30"})
    assert response.status_code == 200
    assert "from: expected a date" in response.content.decode()


def test_it_shows_empty_states(world):
    Repository.objects.filter(tenant=world.tenant_a).delete()
    html = world.client_for(world.owner_a).get("/t/acme/").content.decode()
    assert "No repositories yet" in html and "Add repositories" in html
    assert "Settings" in html


def test_it_hides_other_tenants_and_limited_repositories(world):
    fill(world.repo_b, 5, views=999)
    hidden = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="hidden")
    fill(hidden, 5, views=500)
    fill(world.repo_a, 5)
    Membership.objects.get(user=world.viewer_a).limited_to.add(world.repo_a)
    response = world.client_for(world.viewer_a).get("/t/acme/", {"period": "7d"})
    html = response.content.decode()
    assert "acme/hidden" not in html and "secret-plans" not in html
    assert {c.key: c.value for c in response.context["cards"]}["views"] == 50
    assert world.client_for(world.viewer_a).get("/t/acme/repos/acme/hidden/").status_code == 404
    assert world.client_for(world.owner_a).get("/t/globex/").status_code == 404


def test_it_lists_tenant_referrers_from_each_repositorys_latest_snapshot(world):
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY - timedelta(days=5), referrer="google.com",
                                    count=99, uniques=9)  # superseded by the newer snapshot
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="google.com", count=10, uniques=4)
    ReferrerSnapshot.objects.create(repository=other, date=TODAY - timedelta(days=2), referrer="google.com",
                                    count=5, uniques=2)
    referrers = world.client_for(world.owner_a).get("/t/acme/").context["referrers"]
    assert [(r.key, r.count, r.uniques, r.repositories) for r in referrers] == [("google.com", 15, None, 2)]


def test_it_paginates_sorts_and_searches_traffic_tables(world):
    fill(world.repo_a, 80)
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    fill(other, 3, views=100)
    client = world.client_for(world.owner_a)
    page1 = client.get("/t/acme/traffic/", {"period": "90d", "interval": "day"})
    assert page1.status_code == 200
    assert page1.context["page"].paginator.count == 83 and len(page1.context["rows"]) == 50
    assert page1.context["rows"][0].date == TODAY
    page2 = client.get("/t/acme/traffic/", {"period": "90d", "interval": "day", "page": "2"})
    assert len(page2.context["rows"]) == 33
    by_views = client.get("/t/acme/traffic/", {"period": "90d", "sort": "-views"}).context["rows"]
    assert by_views[0].repository == "acme/zeppelin" and by_views[0].views == 100
    searched = client.get("/t/acme/traffic/", {"period": "90d", "q": "zepp"}).context["rows"]
    assert {row.repository for row in searched} == {"acme/zeppelin"}


def test_it_uses_github_weekly_uniques_in_week_tables_and_exports_csv(world):
    fill(world.repo_a, 14)
    monday = TODAY - timedelta(days=TODAY.weekday())
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday, unique_views=7, unique_clones=2)
    client = world.client_for(world.owner_a)
    rows = client.get("/t/acme/traffic/", {"period": "30d", "interval": "week"}).context["rows"]
    assert rows[0].date == monday and rows[0].unique_views == 7
    assert rows[1].unique_views is None
    months = client.get("/t/acme/traffic/", {"period": "30d", "interval": "month"}).context["rows"]
    assert all(row.unique_views is None for row in months)
    response = client.get("/t/acme/traffic/", {"period": "30d", "interval": "week", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["repo", "date", "views", "unique_views", "clones", "unique_clones"]
    assert lines[1][:4] == ["acme/rocket", monday.isoformat(), str(10 * ((TODAY - monday).days + 1)), "7"]


def test_it_shows_the_repository_page(world):
    fill(world.repo_a, 20, skip={2, 3})
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="news.ycombinator.com",
                                    count=42, uniques=17)
    PathSnapshot.objects.create(repository=world.repo_a, date=TODAY, path="/acme/rocket/wiki", title="Wiki",
                                count=8, uniques=2)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY, stars=12, forks=3)
    from datetime import datetime

    world.repo_a.last_collected_at = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
    world.repo_a.last_success_at = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    world.repo_a.last_error = "403 Resource not accessible: must have push access"
    world.repo_a.save()
    response = world.client_for(world.viewer_a).get("/t/acme/repos/acme/rocket/", {"period": "30d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "news.ycombinator.com" in html and "Wiki" in html
    assert response.context["days_left"] == 9  # 15 Nov + 14 days - 20 Nov
    assert "push access" in response.context["fix_hint"]
    assert response.context["coverage_gaps"] == 12  # 30 days, 18 stored
    assert chart_json(html, "views-chart-data")["datasets"][1]["label"] == "Unique visitors"
    assert "/api/v1/t/acme/repos/acme/rocket/referrers/?" in html and "format=csv" in html
    assert world.client_for(world.owner_a).get("/t/acme/repos/acme/nope/").status_code == 404


def test_it_narrows_traffic_tables_to_chosen_repositories(world):
    fill(world.repo_a, 5)
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    third = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="third")
    fill(other, 5, views=100)
    fill(third, 5, views=50)
    fill(world.repo_b, 5)
    client = world.client_for(world.owner_a)
    response = client.get("/t/acme/traffic/?period=7d&repo=ACME/Zeppelin&repo=acme/third&repo=globex/secret-plans")
    assert {row.repository for row in response.context["rows"]} == {"acme/zeppelin", "acme/third"}
    html = response.content.decode()
    assert 'name="repo" value="ACME/Zeppelin"' in html and 'name="repo" value="acme/third"' in html
    assert "repo=ACME%2FZeppelin&amp;repo=acme%2Fthird" in html  # sort and page links keep every repo


@pytest.mark.parametrize(
    "url", ["/t/acme/", "/t/acme/traffic/", "/t/acme/repos/", "/t/acme/repos/acme/rocket/", "/t/acme/?period=all"]
)
def test_it_renders_pages_without_inline_script_or_style(world, url):
    fill(world.repo_a, 20)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="x.example", count=3, uniques=1)
    html = world.client_for(world.owner_a).get(url).content.decode()
    # The CSP allows scripts from files only; JSON data blocks are not executed.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts), scripts
    assert not re.search(r"\sstyle=|<style\b|\son[a-z]+=", html)


def test_it_offers_collect_now_to_maintainers_only(world):
    fill(world.repo_a, 3)
    owner_html = world.client_for(world.owner_a).get("/t/acme/").content.decode()
    viewer_html = world.client_for(world.viewer_a).get("/t/acme/").content.decode()
    assert 'action="/t/acme/collect/"' in owner_html
    assert 'action="/t/acme/collect/"' not in viewer_html
    repository_page = world.client_for(world.owner_a).get("/t/acme/repos/acme/rocket/")
    assert 'action="/t/acme/collect/"' in repository_page.content.decode()
