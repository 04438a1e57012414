"""The repositories API: list, add (maintainer), remove (maintainer)."""

from __future__ import annotations

from repos.models import Repository
from stats.models import DailyTraffic
from tenants.models import Membership, Role

URL = "/api/v1/t/acme/repos/"


def test_it_lists_the_tenants_repositories(world):
    response = world.client_for(world.viewer_a).get(URL)
    assert response.status_code == 200
    assert response.json() == [
        {"full_name": "acme/hidden-gem", "github_id": 1002, "active": True, "last_collected_at": None,
         "last_error": "", "last_error_code": ""},
        {"full_name": "acme/rocket", "github_id": 1001, "active": True, "last_collected_at": None, "last_error": "",
         "last_error_code": ""},
    ]


def test_it_lists_only_a_limited_viewers_repositories(world):
    assert [r["full_name"] for r in world.client_for(world.limited_viewer).get(URL).json()] == ["acme/rocket"]
    assert [r["full_name"] for r in world.client_for(world.owner_a).get(URL).json()] == [
        "acme/hidden-gem", "acme/rocket",
    ]


def test_it_adds_a_repository_as_maintainer(world):
    Membership.objects.filter(user=world.viewer_a).update(role=Role.MAINTAINER)
    response = world.client_for(world.viewer_a).post(URL, {"full_name": "Octo-Org/new.thing"},
                                                     content_type="application/json")
    assert response.status_code == 201
    assert response.json()["full_name"] == "Octo-Org/new.thing"
    assert Repository.objects.filter(tenant=world.tenant_a, owner="Octo-Org", name="new.thing").exists()


def test_it_rejects_malformed_names_and_duplicates(world):
    client = world.client_for(world.owner_a)
    for bad in ["rocket", "a/b/c", "-bad/x", "acme/..", "", "acme/has space"]:
        response = client.post(URL, {"full_name": bad}, content_type="application/json")
        assert response.status_code == 400, bad
        assert response.json()["error"].startswith("full_name: ")
    duplicate = client.post(URL, {"full_name": "ACME/Rocket"}, content_type="application/json")
    assert duplicate.status_code == 409 and "already followed" in duplicate.json()["error"]


def test_it_forbids_viewers_to_add_or_remove(world):
    client = world.client_for(world.viewer_a)
    assert client.post(URL, {"full_name": "a/b"}, content_type="application/json").status_code == 403
    response = client.delete(f"{URL}acme/rocket/")
    assert response.status_code == 403 and "error" in response.json()
    assert Repository.objects.filter(pk=world.repo_a.pk).exists()


def test_it_removes_a_repository_and_its_history(world):
    DailyTraffic.objects.create(repository=world.repo_a, date="2026-11-01", views=1)
    client = world.client_for(world.owner_a)
    assert client.delete(f"{URL}Acme/ROCKET/").status_code == 204
    assert not Repository.objects.filter(pk=world.repo_a.pk).exists()
    assert not DailyTraffic.objects.exists()
    assert client.delete(f"{URL}acme/rocket/").status_code == 404


def test_it_never_touches_another_tenants_repositories(world, client):
    own = world.client_for(world.owner_a)
    assert own.delete("/api/v1/t/acme/repos/globex/secret-plans/").status_code == 404
    assert own.get("/api/v1/t/globex/repos/").status_code == 404
    assert client.get(URL).status_code == 401
    assert Repository.objects.filter(pk=world.repo_b.pk).exists()
