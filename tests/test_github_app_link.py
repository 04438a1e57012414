"""Linking a GitHub App installation to a tenant: by the API (admins) and by the App's setup URL
(GitHub's install page sends the admin back with `installation_id` and our signed `state`)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from repos.models import InstallationRepository, Repository
from tenants.models import GitHubAppInstallation, GitHubCredential
from tenants.services import github_credential_set

# Tenant A's repositories are the ones each test sets up: acme/hidden-gem leaves the world.
pytestmark = pytest.mark.usefixtures("rocket_only")

URL = "/api/v1/t/acme/github-credential/"


def _put(client: Client, body: dict):
    return client.generic("PUT", URL, json.dumps(body), content_type="application/json")


def _acme_installation(github_app, fake_github, names=("acme/rocket", "acme/booster", "acme/fuel")):
    for name in names:
        fake_github.add_repo(name, github_id=1001 if name == "acme/rocket" else None)
    return github_app.add_installation(12345, "acme", list(names))


def test_it_links_an_installation_by_api_and_follows_every_repository(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    github_credential_set(tenant=world.tenant_a, token="ghp_personalTokenOfSomebodyWXYZ")
    admin = world.client_for(world.owner_a)
    response = _put(admin, {"installation_id": 12345, "follow_all": True})
    assert response.status_code == 204, response.content
    status = world.client_for(world.viewer_a).get(URL).json()
    assert status == {"configured": True, "kind": "app", "installation_id": 12345, "account": "acme",
                      "follow_all": True}
    # The App replaces the personal token: nobody's token stays stored.
    assert not GitHubCredential.objects.filter(tenant=world.tenant_a).exists()
    followed = set(Repository.objects.filter(tenant=world.tenant_a, active=True).values_list("name", flat=True))
    assert followed == {"rocket", "booster", "fuel"}
    # GitHub was asked with the App's JWT, then with an installation token for the repository list.
    assert fake_github.request_count(path_contains="/app/installations/12345") >= 2
    listing = [r for r in fake_github.requests if r.path == "/installation/repositories"]
    assert listing and all(r.headers["Authorization"].startswith("Bearer ghs_") for r in listing)


def test_it_offers_new_repositories_instead_of_following_them_without_follow_all(world, github_app,
                                                                                  fake_github) -> None:
    _acme_installation(github_app, fake_github)
    admin = world.client_for(world.owner_a)
    assert _put(admin, {"installation_id": 12345}).status_code == 204
    assert set(Repository.objects.filter(tenant=world.tenant_a).values_list("name", flat=True)) == {"rocket"}
    assert InstallationRepository.objects.filter(tenant=world.tenant_a).count() == 3
    InstallationRepository.objects.create(tenant=world.tenant_b, github_id=9, owner="globex", name="hidden-plans")
    page = admin.get("/t/acme/repos/").content.decode()
    assert "acme/booster" in page and "acme/fuel" in page and "Follow" in page
    assert "hidden-plans" not in page  # another tenant's offers stay theirs
    assert "acme/booster" not in world.client_for(world.viewer_a).get("/t/acme/repos/").content.decode()
    # One click follows it: the offer disappears.
    admin.post("/t/acme/repos/add/", {"full_name": "acme/booster"})
    assert Repository.objects.filter(tenant=world.tenant_a, name="booster").exists()
    page = admin.get("/t/acme/repos/").content.decode()
    assert 'name="full_name" value="acme/booster"' not in page and 'name="full_name" value="acme/fuel"' in page
    # Followed with the installation's GitHub id: renames announced later find it.
    assert Repository.objects.get(name="booster").github_id == fake_github.repos["acme/booster"].github_id


def test_it_refuses_an_installation_already_linked_to_another_tenant(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    assert _put(world.client_for(world.owner_a), {"installation_id": 12345}).status_code == 204
    response = world.client_for(world.owner_b).generic(
        "PUT", "/api/v1/t/globex/github-credential/", json.dumps({"installation_id": 12345}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "already linked to another tenant" in response.json()["error"]
    assert GitHubAppInstallation.objects.get(installation_id=12345).tenant == world.tenant_a
    assert not GitHubAppInstallation.objects.filter(tenant=world.tenant_b).exists()


def test_it_answers_400_with_a_clear_message_for_an_unknown_installation_or_no_app(world, github_app, fake_github,
                                                                                   settings) -> None:
    admin = world.client_for(world.owner_a)
    unknown = _put(admin, {"installation_id": 999})
    assert unknown.status_code == 400 and "does not exist" in unknown.json()["error"]
    both = _put(admin, {"installation_id": 999, "token": "ghp_x"})
    assert both.status_code == 400 and "either" in both.json()["error"]
    neither = _put(admin, {"follow_all": True})
    assert neither.status_code == 400 and neither.json()["error"].startswith("token")
    settings.GITHUB_APP_ID = ""
    no_app = _put(admin, {"installation_id": 12345})
    assert no_app.status_code == 400 and "no GitHub App is configured" in no_app.json()["error"]
    assert not GitHubAppInstallation.objects.exists()
    assert _put(world.client_for(world.viewer_a), {"installation_id": 1}).status_code == 403


def test_it_keeps_the_token_api_working_and_a_token_replaces_the_app(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    admin = world.client_for(world.owner_a)
    assert _put(admin, {"installation_id": 12345}).status_code == 204
    assert _put(admin, {"token": "ghp_replacementTokenWXYZ"}).status_code == 204
    assert admin.get(URL).json() == {"configured": True, "kind": "token", "last4": "WXYZ"}
    assert not GitHubAppInstallation.objects.exists()


# --- the setup-URL flow ---------------------------------------------------------------------------
def _connect(client: Client, *, follow_all: bool = True) -> str:
    """Press "Connect GitHub App"; returns the state GitHub's install page received."""
    response = client.post("/t/acme/settings/credential/github-app/", {"follow_all": "1"} if follow_all else {})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://github.com/apps/ghtraffic-test/installations/new"
    return parse_qs(target.query)["state"][0]


def _setup(client: Client, state: str, installation_id: int = 12345):
    return client.get("/github-app/setup/", {"installation_id": installation_id, "setup_action": "install",
                                             "state": state})


def test_it_links_through_the_setup_url_with_a_good_state(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    admin = world.client_for(world.owner_a)
    assert "Connect GitHub App" in admin.get("/t/acme/settings/credential/").content.decode()
    state = _connect(admin)
    response = _setup(admin, state)
    assert response.status_code == 302 and response["Location"] == "/t/acme/settings/credential/"
    installation = GitHubAppInstallation.objects.get(tenant=world.tenant_a)
    assert (installation.installation_id, installation.account, installation.follow_all) == (12345, "acme", True)
    assert installation.linked_by == world.owner_a
    assert Repository.objects.filter(tenant=world.tenant_a).count() == 3
    page = admin.get("/t/acme/settings/credential/").content.decode()
    assert "GitHub App installed on acme" in page and "linked" in page


def test_it_links_nothing_for_a_forged_replayed_or_foreign_state(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    github_app.add_installation(777, "globex", [])
    admin = world.client_for(world.owner_a)
    state = _connect(admin)
    forged = state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")
    assert _setup(admin, forged).status_code == 302
    assert _setup(admin, "").status_code == 302
    assert not GitHubAppInstallation.objects.exists()
    # Someone else (even a member of the tenant) cannot use the admin's state.
    assert _setup(world.client_for(world.viewer_a), state).status_code == 302
    assert not GitHubAppInstallation.objects.exists()
    # Used once; replaying it cannot link another installation.
    _setup(admin, state)
    assert GitHubAppInstallation.objects.get().installation_id == 12345
    GitHubAppInstallation.objects.all().delete()
    _setup(admin, state, installation_id=777)
    assert not GitHubAppInstallation.objects.exists()
    # Anonymous callers are sent to log in.
    assert Client().get("/github-app/setup/", {"state": state}).status_code == 302


def test_it_links_nothing_for_an_expired_state(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    admin = world.client_for(world.owner_a)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        state = _connect(admin)
        traveller.shift(timedelta(minutes=16))
        response = _setup(admin, state)
    assert response.status_code == 302 and response["Location"] == "/"
    assert not GitHubAppInstallation.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("expired" in m for m in messages)


def test_it_refuses_to_connect_for_non_admins_and_without_an_app(world, github_app, settings) -> None:
    viewer = world.client_for(world.viewer_a)
    assert viewer.post("/t/acme/settings/credential/github-app/").status_code == 403
    settings.GITHUB_APP_SLUG = ""
    response = world.client_for(world.owner_a).post("/t/acme/settings/credential/github-app/")
    assert response.status_code == 302 and response["Location"] == "/t/acme/settings/credential/"


def test_it_unlinks_on_request_and_keeps_the_repositories(world, github_app, fake_github) -> None:
    _acme_installation(github_app, fake_github)
    admin = world.client_for(world.owner_a)
    assert _put(admin, {"installation_id": 12345, "follow_all": True}).status_code == 204
    admin.post("/t/acme/settings/credential/github-app/unlink/")
    assert not GitHubAppInstallation.objects.exists()
    assert Repository.objects.filter(tenant=world.tenant_a).count() == 3
    assert admin.get(URL).json()["configured"] is False
