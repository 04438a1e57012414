"""The badges API: maintainers list, create and revoke a repository's badges; others get 403 / 404."""

from __future__ import annotations

from django.test import Client

from stats.badges.services import badge_create
from stats.models import Badge

BASE = "/api/v1/t/acme/repos/acme/rocket/badges/"


def test_it_creates_lists_and_revokes_a_badge(world) -> None:
    client = world.client_for(world.maintainer)
    created = client.post(BASE, {"metrics": ["stars", "views-14d"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    badge = Badge.objects.get(pk=data["id"])
    assert data["metrics"] == ["views-14d", "stars"]
    assert data["urls"]["stars"] == {
        "svg": f"http://testserver/badge/{badge.token}/stars.svg",
        "json": f"http://testserver/badge/{badge.token}/stars.json",
    }
    assert [entry["id"] for entry in client.get(BASE).json()] == [badge.pk]
    assert Client().get(f"/badge/{badge.token}/stars.json").status_code == 200
    assert client.delete(f"{BASE}{badge.pk}/").status_code == 204
    assert client.get(BASE).json() == []
    assert Client().get(f"/badge/{badge.token}/stars.json").status_code == 404
    assert client.delete(f"{BASE}{badge.pk}/").status_code == 404


def test_it_answers_400_to_bad_metrics(world) -> None:
    client = world.client_for(world.maintainer)
    for metrics in ([], ["unique-views"], "stars"):
        response = client.post(BASE, {"metrics": metrics}, content_type="application/json")
        assert response.status_code == 400 and "error" in response.json(), metrics
    assert not Badge.objects.exists()


def test_it_refuses_viewers_and_other_tenants(world) -> None:
    badge = badge_create(repository=world.repo_a, metrics=["stars"])
    viewer = world.client_for(world.viewer_a)
    assert viewer.get(BASE).status_code == 403  # the list shows the tokens
    assert viewer.post(BASE, {"metrics": ["stars"]}, content_type="application/json").status_code == 403
    assert viewer.delete(f"{BASE}{badge.pk}/").status_code == 403
    bob = world.client_for(world.owner_b)
    assert bob.get(BASE).status_code == 404
    assert bob.delete(f"{BASE}{badge.pk}/").status_code == 404
    assert bob.delete(f"/api/v1/t/globex/repos/globex/secret-plans/badges/{badge.pk}/").status_code == 404
    assert Badge.objects.get(pk=badge.pk).revoked_at is None
