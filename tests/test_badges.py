"""Public badges: content (SVG, shields.io endpoint JSON), caching (ETag, 304, Cache-Control),
revocation, nothing beyond the badge; management on the repository page (maintainers, own tenant)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client

from stats.badges.render import text_width
from stats.badges.selectors import compact_number
from stats.badges.services import BadgeMetricsInvalid, badge_create, badge_revoke
from stats.collection.rollups import rollups_rebuild
from stats.models import Badge, DailyTraffic, RepositoryMetrics

TODAY = date(2026, 3, 20)


@pytest.fixture
def traffic(world, time_machine):
    """acme/rocket: 20 days of 100 views (unique 7) and 3 clones up to yesterday, plus today's partial
    1000 views; 1,234 stars now (512 a week ago)."""
    time_machine.move_to("2026-03-20 12:00:00+00:00", tick=False)
    for offset in range(1, 21):
        DailyTraffic.objects.create(
            repository=world.repo_a, date=TODAY - timedelta(days=offset), views=100, unique_views=7, clones=3,
            unique_clones=2,
        )
    DailyTraffic.objects.create(repository=world.repo_a, date=TODAY, views=1000, unique_views=9, clones=0)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY - timedelta(days=7), stars=512)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=TODAY, stars=1234, forks=77)
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    return world


@pytest.fixture
def badge(traffic) -> Badge:
    return badge_create(
        repository=traffic.repo_a, metrics=["views-14d", "views-total", "clones-total", "stars"],
        created_by=traffic.maintainer,
    )


def _get(path: str, **headers: str):
    return Client().get(path, **headers)


def test_it_serves_the_14_day_views_as_a_flat_svg(badge) -> None:
    response = _get(f"/badge/{badge.token}/views-14d.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    # 14 complete days of 100 views; today's partial bucket is not counted.
    assert "<title>views (14d): 1.4k</title>" in body
    assert 'aria-label="views (14d): 1.4k"' in body
    assert 'fill="#555"' in body and 'fill="#007ec6"' in body  # grey label, blue value
    assert "<script" not in body.lower()


def test_it_serves_totals_since_tracking_began_and_the_latest_stars(badge) -> None:
    assert "views (total): 3k" in _get(f"/badge/{badge.token}/views-total.svg").content.decode()
    assert "clones (total): 60" in _get(f"/badge/{badge.token}/clones-total.svg").content.decode()
    assert "stars: 1.2k" in _get(f"/badge/{badge.token}/stars.svg").content.decode()


def test_it_serves_the_shields_io_endpoint_schema(badge) -> None:
    response = _get(f"/badge/{badge.token}/views-total.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "schemaVersion": 1, "label": "views (total)", "message": "3k", "color": "blue", "cacheSeconds": 3600,
    }


def test_it_exposes_nothing_but_the_badge(badge) -> None:
    for path in (f"/badge/{badge.token}/views-14d.svg", f"/badge/{badge.token}/stars.json"):
        body = _get(path).content.decode()
        # Not the repository, the tenant, the uniques (7, 9, 2), forks (77), today's partial views (1000)…
        for secret in ("rocket", "acme", "Acme", "alice", "mae", "unique", "77", "1000", "512"):
            assert secret not in body, (path, secret)
    data = json.loads(_get(f"/badge/{badge.token}/stars.json").content)
    assert set(data) == {"schemaVersion", "label", "message", "color", "cacheSeconds"}


def test_it_caches_with_an_etag_and_answers_304(badge) -> None:
    path = f"/badge/{badge.token}/views-14d.svg"
    first = _get(path)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, max-age=3600, s-maxage=3600"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in first["Content-Security-Policy"] and "script" not in first["Content-Security-Policy"]
    assert "Set-Cookie" not in first
    again = _get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert _get(path, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    # The JSON of the same metric, and another metric, have other ETags.
    assert _get(f"/badge/{badge.token}/views-14d.json")["ETag"] != etag
    assert _get(f"/badge/{badge.token}/views-total.svg", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_it_changes_the_etag_when_the_value_changes(badge, traffic) -> None:
    path = f"/badge/{badge.token}/stars.svg"
    etag = _get(path)["ETag"]
    RepositoryMetrics.objects.filter(repository=traffic.repo_a, date=TODAY).update(stars=2500)
    response = _get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "stars: 2.5k" in response.content.decode()


def test_it_answers_404_once_revoked_and_for_anything_not_enabled(badge, traffic) -> None:
    views_only = badge_create(repository=traffic.repo_a, metrics=["views-14d"])
    assert _get(f"/badge/{views_only.token}/views-14d.svg").status_code == 200
    not_found = [
        f"/badge/{views_only.token}/stars.svg",  # not enabled on this badge
        f"/badge/{badge.token}/unique-views.svg",  # no such metric
        f"/badge/{badge.token[:-1]}/views-14d.svg",  # unknown token
    ]
    badge_revoke(badge=badge)
    not_found += [f"/badge/{badge.token}/views-14d.svg", f"/badge/{badge.token}/stars.json"]
    bodies = set()
    for path in not_found:
        response = _get(path)
        assert response.status_code == 404, path
        assert response["Cache-Control"] == "no-store"
        bodies.add(response.content)
    assert bodies == {b"not found\n"}  # the same answer: no hint whether the repository exists


def test_it_says_no_data_when_nothing_was_collected(world, time_machine) -> None:
    time_machine.move_to("2026-03-20 12:00:00+00:00", tick=False)
    fresh = badge_create(repository=world.repo_a_hidden, metrics=["views-14d", "stars"])
    body = _get(f"/badge/{fresh.token}/views-14d.svg").content.decode()
    assert "views (14d): no data" in body and "#9f9f9f" in body  # unknown, never zero
    assert json.loads(_get(f"/badge/{fresh.token}/stars.json").content)["message"] == "no data"


def test_it_escapes_text_and_sizes_the_badge_from_it() -> None:
    from stats.badges.render import badge_svg
    from stats.badges.selectors import BadgeValue

    svg = badge_svg(BadgeValue(metric="stars", label="<b>&", message="12", color="yellow"))
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    assert text_width("views (14d)") > text_width("stars") > 0
    short = badge_svg(BadgeValue(metric="stars", label="stars", message="1", color="yellow"))
    long = badge_svg(BadgeValue(metric="stars", label="stars", message="999.9k", color="yellow"))
    width = lambda svg: int(svg.split('width="', 1)[1].split('"', 1)[0])  # noqa: E731
    assert width(long) > width(short)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (999, "999"), (1000, "1k"), (1234, "1.2k"), (1299, "1.2k"), (56789, "56.7k"), (999_999, "999k"),
     (1_000_000, "1M"), (1_250_000, "1.2M"), (3_000_000_000, "3B")],
)
def test_it_writes_compact_numbers_rounded_down(value: int, shown: str) -> None:
    assert compact_number(value) == shown


def test_it_makes_unguessable_tokens_and_checks_the_metrics(world) -> None:
    first = badge_create(repository=world.repo_a, metrics=["stars"])
    second = badge_create(repository=world.repo_a, metrics=["stars", "views-14d", "stars"])
    assert first.token != second.token and len(first.token) >= 32  # 192 bits, URL-safe
    assert second.metric_list == ["views-14d", "stars"]
    with pytest.raises(BadgeMetricsInvalid, match="at least one"):
        badge_create(repository=world.repo_a, metrics=[])
    with pytest.raises(BadgeMetricsInvalid, match="unknown badge metric"):
        badge_create(repository=world.repo_a, metrics=["unique-views"])


# --- management ------------------------------------------------------------------------------------
def test_it_lets_a_maintainer_create_a_badge_and_copy_its_snippets(traffic) -> None:
    client = traffic.client_for(traffic.maintainer)
    response = client.post("/t/acme/repos/acme/rocket/badges/", {"metrics": ["views-14d", "stars"]})
    assert response.status_code == 302 and response["Location"].endswith("/t/acme/repos/acme/rocket/#badges")
    badge = Badge.objects.get(repository=traffic.repo_a)
    assert badge.metric_list == ["views-14d", "stars"] and badge.created_by == traffic.maintainer
    page = client.get("/t/acme/repos/acme/rocket/").content.decode()
    svg = f"http://testserver/badge/{badge.token}/views-14d.svg"
    assert f"![views (14d)]({svg})" in page
    assert f"&lt;img src=&quot;{svg}&quot; alt=&quot;views (14d)&quot;&gt;" in page
    assert "https://img.shields.io/endpoint?url=http%3A%2F%2Ftestserver%2Fbadge%2F" in page
    assert f"/badge/{badge.token}/clones-total.svg" not in page  # not enabled


def test_it_lets_a_maintainer_revoke_a_badge(badge, traffic) -> None:
    client = traffic.client_for(traffic.maintainer)
    response = client.post(f"/t/acme/repos/acme/rocket/badges/{badge.pk}/revoke/")
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.revoked_at is not None
    assert _get(f"/badge/{badge.token}/views-14d.svg").status_code == 404
    assert badge.token not in client.get("/t/acme/repos/acme/rocket/").content.decode()
    assert client.post(f"/t/acme/repos/acme/rocket/badges/{badge.pk}/revoke/").status_code == 404


def test_it_refuses_viewers_and_shows_them_no_token(badge, traffic) -> None:
    client = traffic.client_for(traffic.viewer_a)
    assert client.post("/t/acme/repos/acme/rocket/badges/", {"metrics": ["stars"]}).status_code == 403
    assert client.post(f"/t/acme/repos/acme/rocket/badges/{badge.pk}/revoke/").status_code == 403
    page = client.get("/t/acme/repos/acme/rocket/").content.decode()
    assert badge.token not in page and "Public badges" not in page
    assert Badge.objects.filter(repository=traffic.repo_a, revoked_at__isnull=True).count() == 1


def test_it_answers_404_to_another_tenant_managing_a_badge(badge, traffic) -> None:
    bob = traffic.client_for(traffic.owner_b)
    assert bob.post(f"/t/acme/repos/acme/rocket/badges/{badge.pk}/revoke/").status_code == 404
    assert bob.post("/t/acme/repos/acme/rocket/badges/", {"metrics": ["stars"]}).status_code == 404
    # Through bob's own tenant, naming acme's badge: still 404.
    assert bob.post(f"/t/globex/repos/globex/secret-plans/badges/{badge.pk}/revoke/").status_code == 404
    badge.refresh_from_db()
    assert badge.revoked_at is None


def test_it_reports_a_badge_without_metrics(traffic) -> None:
    client = traffic.client_for(traffic.maintainer)
    response = client.post("/t/acme/repos/acme/rocket/badges/", {}, follow=True)
    assert "Badge not created: choose at least one metric." in response.content.decode()
    assert not Badge.objects.exists()
