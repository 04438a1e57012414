"""Release downloads on the pages: the repository page's chart and table, the dashboard's card."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.releases_support import asset_with_counts
from tests.traffic_support import TODAY, chart_json, fill, pin_today


@pytest.fixture(autouse=True)
def _today(time_machine):
    pin_today(time_machine)


@pytest.fixture
def stored(world):
    start = TODAY - timedelta(days=3)
    asset_with_counts(world.repo_a, "v1.0", "rocket.tar.gz", start, [100, 110, 125, 126], asset_id=11, release_id=1)
    asset_with_counts(world.repo_a, "v1.0", "rocket.zip", start, [5, 6], asset_id=12, release_id=1,
                      deleted_on=start + timedelta(days=2))
    asset_with_counts(world.repo_a, "v2.0", "rocket2.tar.gz", start + timedelta(days=2), [40, 49], asset_id=21,
                      release_id=2)
    asset_with_counts(world.repo_a_hidden, "v9", "HIDDEN-asset.tar.gz", start, [1, 5000], asset_id=91, release_id=9)
    return world


def test_it_shows_a_chart_and_a_table_per_release_asset_and_total(stored):
    fill(stored.repo_a, 5)
    response = stored.client_for(stored.viewer_a).get("/t/acme/repos/acme/rocket/", {"period": "7d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Release downloads" in html and 'id="releases-table"' in html
    chart = chart_json(html, "releases-chart-data")
    assert chart["datasets"][0]["label"] == "All releases"
    # 7 days ending TODAY: first sight 3 days ago (unknown), then 10 + 1, 15, 1 + 9.
    assert chart["datasets"][0]["data"][-4:] == [None, 11, 15, 10]
    assert [dataset["label"] for dataset in chart["datasets"][1:]] == ["v1.0", "v2.0"]
    report = response.context["release_report"]
    assert (report.total, report.latest_total) == (36, 126 + 6 + 49)
    assert "rocket.zip" in html and "deleted" in html
    assert "/api/v1/t/acme/repos/acme/rocket/releases/?" in html and "format=csv" in html


def test_it_says_when_nothing_was_collected_yet(world):
    html = world.client_for(world.viewer_a).get("/t/acme/repos/acme/rocket/").content.decode()
    assert "No release downloads stored yet" in html and "releases-chart-data" not in html


def test_it_shows_the_dashboard_card_with_the_top_release(stored):
    fill(stored.repo_a, 5)
    html = stored.client_for(stored.owner_a).get("/t/acme/", {"period": "7d"}).content.decode()
    assert 'data-metric="release_downloads"' in html
    assert "Top: acme/hidden-gem v9 (4,999)" in html  # the admin sees every repository


def test_it_keeps_the_card_to_a_limited_viewers_repositories(stored):
    fill(stored.repo_a, 5)
    response = stored.client_for(stored.limited_viewer).get("/t/acme/", {"period": "7d"})
    html = response.content.decode()
    assert response.context["release_card"].value == 36
    assert "Top: acme/rocket v1.0 (27)" in html and "HIDDEN" not in html and "hidden-gem" not in html


def test_it_shows_no_card_to_a_tenant_without_releases(world):
    fill(world.repo_a, 5)
    html = world.client_for(world.owner_a).get("/t/acme/").content.decode()
    assert 'data-metric="release_downloads"' not in html
