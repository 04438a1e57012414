"""The repository traffic page (stats.web.repository)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stats.models import PathSnapshot, ReferrerSnapshot, RepositoryMetrics
from tests.traffic_support import TODAY, chart_json, fill, pin_today


@pytest.fixture(autouse=True)
def _today(time_machine):
    pin_today(time_machine)


def test_it_shows_the_repository_page(world):
    fill(world.repo_a, 20, skip={2, 3})
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="news.ycombinator.com",
                                    count=42, uniques=17)
    PathSnapshot.objects.create(repository=world.repo_a, date=TODAY, path="/acme/rocket/wiki", title="Wiki",
                                count=8, uniques=2)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY, stars=12, forks=3)
    world.repo_a.last_collected_at = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
    world.repo_a.last_success_at = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    world.repo_a.last_error = "GitHub refused: the token lacks push access"
    world.repo_a.last_error_code = "no_push_access"
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
