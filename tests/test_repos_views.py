"""The repositories settings page (add, import, pause, remove) and its role checks."""

from __future__ import annotations

import pytest

from repos import services
from repos.models import Repository
from tenants.models import GitHubCredential, Membership, Role


def test_it_lists_repositories_with_status_and_fix_hint(world):
    world.repo_a.last_error = "GitHub says the token is invalid"
    world.repo_a.last_error_code = "bad_credential"
    world.repo_a.save()
    response = world.client_for(world.viewer_a).get("/t/acme/repos/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "acme/rocket" in html and "paste a new one" in html
    assert "Add a repository" not in html  # viewers cannot change the list
    assert "secret-plans" not in html


def test_it_adds_a_repository_and_reports_errors(world):
    client = world.client_for(world.owner_a)
    response = client.post("/t/acme/repos/add/", {"full_name": "github.com/octo/thing.git"}, follow=True)
    assert "Now following octo/thing" in response.content.decode()
    assert Repository.objects.filter(tenant=world.tenant_a, owner="octo", name="thing").exists()
    again = client.post("/t/acme/repos/add/", {"full_name": "OCTO/thing"}, follow=True)
    assert "already followed" in again.content.decode()
    bad = client.post("/t/acme/repos/add/", {"full_name": "nope"}, follow=True)
    assert "not a GitHub repository name" in bad.content.decode()


def test_it_requires_a_maintainer_to_change_repositories(world):
    client = world.client_for(world.viewer_a)
    assert client.post("/t/acme/repos/add/", {"full_name": "a/b"}).status_code == 403
    assert client.post("/t/acme/repos/acme/rocket/active/", {"active": "0"}).status_code == 403
    assert client.post("/t/acme/repos/acme/rocket/remove/").status_code == 403
    assert client.post("/t/acme/repos/import/").status_code == 403
    assert client.get("/t/acme/repos/add/").status_code == 405


def test_it_pauses_resumes_and_removes(world):
    Membership.objects.filter(user=world.viewer_a).update(role=Role.MAINTAINER)
    client = world.client_for(world.viewer_a)
    client.post("/t/acme/repos/acme/rocket/active/", {"active": "0"})
    world.repo_a.refresh_from_db()
    assert world.repo_a.active is False
    client.post("/t/acme/repos/acme/rocket/active/", {"active": "1"})
    world.repo_a.refresh_from_db()
    assert world.repo_a.active is True
    client.post("/t/acme/repos/acme/rocket/remove/")
    assert not Repository.objects.filter(pk=world.repo_a.pk).exists()
    assert client.post("/t/acme/repos/globex/secret-plans/remove/").status_code == 404


def test_it_imports_repositories_listed_by_github(world, monkeypatch):
    GitHubCredential.objects.create(tenant=world.tenant_a, token_encrypted="x", token_last4="abcd")
    Repository.objects.create(tenant=world.tenant_a, owner="acme", name="paused", active=False)
    calls = []

    def fake_list(*, tenant, org=None):
        calls.append((tenant.slug, org))
        return [("acme/rocket", 1001), ("acme/new-one", 7), ("acme/paused", 8), ("not valid", None)]

    monkeypatch.setattr(services, "github_repositories", fake_list)
    response = world.client_for(world.owner_a).post("/t/acme/repos/import/", {"org": "acme"}, follow=True)
    assert calls == [("acme", "acme")]
    assert "Imported 1 new repositories, switched 1 back on; 1 were already followed." in response.content.decode()
    assert Repository.objects.get(tenant=world.tenant_a, name="new-one").github_id == 7
    assert Repository.objects.get(tenant=world.tenant_a, name="paused").active is True


def test_it_reports_an_import_failure(world, monkeypatch):
    def failing(*, tenant, org=None):
        raise services.ImportUnavailable("Could not list repositories from GitHub: 401 Bad credentials")

    monkeypatch.setattr(services, "github_repositories", failing)
    response = world.client_for(world.owner_a).post("/t/acme/repos/import/", {"org": ""}, follow=True)
    assert "401 Bad credentials" in response.content.decode()
    bad = world.client_for(world.owner_a).post("/t/acme/repos/import/", {"org": "-bad-"}, follow=True)
    assert "Organization: not a GitHub organization name" in bad.content.decode()


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("no_credential", "Add a GitHub token"),
        ("no_push_access", "needs push access"),
        ("not_found", "does not show this repository"),
        ("rate_limited", "rate limit"),
        ("", "Retry with"),  # an error stored before codes existed: generic advice
    ],
)
def test_it_derives_the_fix_hint_from_the_error_code_not_the_message(world, code, hint):
    # The message says nothing the old text search keyed on ("404", "401"...): only the code decides.
    Repository.objects.filter(pk=world.repo_a.pk).update(last_error="something went wrong", last_error_code=code)
    html = world.client_for(world.viewer_a).get("/t/acme/repos/").content.decode()
    assert hint in html


def test_it_shows_no_fix_hint_without_an_error(world):
    Repository.objects.filter(pk=world.repo_a.pk).update(last_error="", last_error_code="not_found")
    html = world.client_for(world.viewer_a).get("/t/acme/repos/").content.decode()
    assert "does not show this repository" not in html
