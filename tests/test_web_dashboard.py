"""The dashboard and the traffic tables (server-rendered); the dashboard lists the busiest repositories only."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from stats.web import dashboard as views
from tests.traffic_support import TODAY, chart_json, fill, pin_today


@pytest.fixture(autouse=True)
def _today(time_machine):
    pin_today(time_machine)


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
    assert "Get started" in html and "Connect GitHub" in html and "Add repositories" in html
    assert 'href="/t/acme/settings/credential/"' in html and 'href="/t/acme/repos/"' in html
    assert "First collection" in html and "Daily schedule" in html


def test_it_hides_other_tenants_and_limited_repositories(world):
    fill(world.repo_b, 5, views=999)
    fill(world.repo_a_hidden, 5, views=500)
    fill(world.repo_a, 5)
    response = world.client_for(world.limited_viewer).get("/t/acme/", {"period": "7d"})
    html = response.content.decode()
    assert "acme/hidden-gem" not in html and "secret-plans" not in html
    assert {c.key: c.value for c in response.context["cards"]}["views"] == 50
    assert world.client_for(world.limited_viewer).get("/t/acme/repos/acme/hidden-gem/").status_code == 404
    assert world.client_for(world.owner_a).get("/t/globex/").status_code == 404


def test_it_estimates_tenant_referrers_over_the_period_from_each_repositorys_snapshots(world):
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY - timedelta(days=5), referrer="google.com",
                                    count=99, uniques=9)  # superseded by the newer snapshot
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="google.com", count=10, uniques=4)
    ReferrerSnapshot.objects.create(repository=other, date=TODAY - timedelta(days=2), referrer="google.com",
                                    count=5, uniques=2)
    referrers = world.client_for(world.owner_a).get("/t/acme/").context["referrers"]
    # Estimated over the 30 days (stats.traffic.referrer_estimates): 99 from rocket's older window (the
    # newer one adds no new views), 5 from zeppelin's; unique visitors are never estimated.
    assert referrers.estimated
    assert [(r.key, r.views, r.repositories) for r in referrers.entries] == [("google.com", 104, 2)]


def test_it_lists_the_latest_snapshot_when_too_few_are_stored_to_estimate(world):
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="google.com", count=10, uniques=4)
    response = world.client_for(world.owner_a).get("/t/acme/")
    referrers = response.context["referrers"]
    assert not referrers.estimated
    assert [(r.key, r.count, r.uniques, r.repositories) for r in referrers.entries] == [("google.com", 10, None, 1)]
    assert "Last 14 days · the latest snapshot" in response.content.decode()


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


def test_it_gives_github_weekly_uniques_for_whole_weeks_only_in_tables_and_csv(world):
    fill(world.repo_a, 14)
    monday = TODAY - timedelta(days=TODAY.weekday())  # this week: the range ends before its Sunday
    whole = monday - timedelta(days=7)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday, unique_views=7, unique_clones=2)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=whole, unique_views=9, unique_clones=3)
    client = world.client_for(world.owner_a)
    rows = client.get("/t/acme/traffic/", {"period": "30d", "interval": "week"}).context["rows"]
    # GitHub's weekly uniques cover the whole week: a week the range cuts reports none (null, never a guess).
    assert [(row.date, row.unique_views, row.unique_clones) for row in rows[:2]] == [
        (monday, None, None),
        (whole, 9, 3),
    ]
    assert not rows[0].complete and rows[1].complete
    # Cut at the start too: the range begins on the Wednesday of `whole`.
    cut_start = client.get("/t/acme/traffic/", {"from": (whole + timedelta(days=2)).isoformat(),
                                                "to": (whole + timedelta(days=6)).isoformat(), "interval": "week"})
    assert [(row.date, row.views, row.unique_views) for row in cut_start.context["rows"]] == [(whole, 50, None)]
    months = client.get("/t/acme/traffic/", {"period": "30d", "interval": "month"}).context["rows"]
    assert all(row.unique_views is None for row in months)
    response = client.get("/t/acme/traffic/", {"period": "30d", "interval": "week", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["repo", "date", "views", "unique_views", "clones", "unique_clones", "days_covered",
                        "days_expected", "complete"]
    days = (TODAY - monday).days + 1
    assert lines[1] == ["acme/rocket", monday.isoformat(), str(10 * days), "", str(2 * days), "", str(days),
                        str(days), "false"]
    assert lines[2][:4] + lines[2][-3:] == ["acme/rocket", whole.isoformat(), "70", "9", "7", "7", "true"]


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


def test_it_lists_the_busiest_repositories_and_links_to_all(world, monkeypatch):
    monkeypatch.setattr(views, "DASHBOARD_TABLE_ROWS", 3)
    today = timezone.now().date()
    for index in range(5):
        repository = Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"lib{index}")
        DailyTraffic.objects.create(repository=repository, date=today, views=10 * (index + 1))
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])  # rows written outside the collection
    html = world.client_for(world.viewer_a).get("/t/acme/?period=7d").content.decode()
    table = html[html.index('id="repo-table"') : html.index("</table>", html.index('id="repo-table"'))]
    assert [name for name in ("lib4", "lib3", "lib2", "lib1", "lib0") if f"acme/{name}<" in table] == [
        "lib4",
        "lib3",
        "lib2",
    ]
    assert "The 3 busiest of 7 repositories" in html  # 5 libs, acme/rocket, acme/hidden-gem
    assert "/t/acme/traffic/?period=7d" in html


def test_it_adds_no_note_when_every_repository_fits(world):
    html = world.client_for(world.viewer_a).get("/t/acme/").content.decode()
    assert "busiest of" not in html
