"""The App webhook `POST /hooks/github/`: signed deliveries, each acted on once, keep the tenant's
repositories in step with its installation. Removed repositories are deactivated, never deleted."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from repos.models import GitHubDelivery, InstallationRepository, Repository
from stats.models import DailyTraffic
from tenants.app_installations import github_app_installation_set
from tenants.models import GitHubAppInstallation

# Tenant A's repositories are the ones each test sets up: acme/hidden-gem leaves the world.
pytestmark = pytest.mark.usefixtures("rocket_only")

SECRET = "test-app-webhook-secret"
HOOK = "/hooks/github/"


@pytest.fixture
def linked(world, github_app, fake_github):
    for name in ("acme/rocket", "acme/booster", "acme/fuel", "acme/later"):
        fake_github.add_repo(name, github_id=world.repo_a.github_id if name == "acme/rocket" else None)
    github_app.add_installation(12345, "acme", ["acme/rocket"])
    github_app_installation_set(tenant=world.tenant_a, installation_id=12345, account="acme", follow_all=True)
    InstallationRepository.objects.create(tenant=world.tenant_a, github_id=world.repo_a.github_id, owner="acme",
                                          name="rocket")
    return world


def deliver(github_app, event: str, payload: dict, *, delivery_id: str | None = None, secret: str = SECRET):
    body, headers = github_app.delivery(event, payload, secret=secret, delivery_id=delivery_id)
    return Client().post(HOOK, body, content_type="application/json", headers=headers)


def followed(tenant) -> dict[str, bool]:
    return {r.full_name: r.active for r in Repository.objects.filter(tenant=tenant)}


def test_it_follows_added_and_deactivates_removed_repositories(linked, github_app):
    response = deliver(github_app, "installation_repositories", github_app.grant(12345, ["acme/booster", "acme/fuel"]))
    assert response.status_code == 200, response.content
    assert followed(linked.tenant_a) == {"acme/rocket": True, "acme/booster": True, "acme/fuel": True}
    DailyTraffic.objects.create(repository=Repository.objects.get(name="fuel"), date=date(2026, 1, 5), views=7)
    response = deliver(github_app, "installation_repositories", github_app.revoke(12345, ["acme/fuel"]))
    assert response.status_code == 200
    assert followed(linked.tenant_a)["acme/fuel"] is False
    assert DailyTraffic.objects.filter(repository__name="fuel").count() == 1  # history stays
    # Granted again: followed again.
    deliver(github_app, "installation_repositories", github_app.grant(12345, ["acme/fuel"]))
    assert followed(linked.tenant_a)["acme/fuel"] is True


def test_it_only_offers_added_repositories_without_follow_all(linked, github_app):
    GitHubAppInstallation.objects.filter(installation_id=12345).update(follow_all=False)
    deliver(github_app, "installation_repositories", github_app.grant(12345, ["acme/later"]))
    assert "acme/later" not in followed(linked.tenant_a)
    page = linked.client_for(linked.owner_a).get("/t/acme/repos/").content.decode()
    assert 'name="full_name" value="acme/later"' in page


def test_it_renames_a_repository_it_follows(linked, github_app):
    response = deliver(github_app, "repository", github_app.rename(12345, "acme/rocket", "acme/rocket-ship"))
    assert response.status_code == 200
    linked.repo_a.refresh_from_db()
    assert linked.repo_a.full_name == "acme/rocket-ship"
    transferred = github_app.rename(12345, "acme/rocket-ship", "acme-labs/rocket-ship")
    transferred["action"] = "transferred"
    deliver(github_app, "repository", transferred)
    linked.repo_a.refresh_from_db()
    assert linked.repo_a.full_name == "acme-labs/rocket-ship" and linked.repo_a.active


def test_it_deactivates_deleted_and_archived_repositories(linked, github_app, fake_github):
    deliver(github_app, "installation_repositories", github_app.grant(12345, ["acme/booster"]))
    booster = fake_github.repo_body(fake_github.repos["acme/booster"])
    deliver(github_app, "repository", {"action": "archived", "repository": booster,
                                       "installation": {"id": 12345}})
    assert followed(linked.tenant_a)["acme/booster"] is False
    rocket = fake_github.repo_body(fake_github.repos["acme/rocket"])
    deliver(github_app, "repository", {"action": "deleted", "repository": rocket, "installation": {"id": 12345}})
    assert followed(linked.tenant_a) == {"acme/rocket": False, "acme/booster": False}


def test_it_acts_once_per_delivery_and_forgets_deliveries_after_a_day(linked, github_app):
    payload = github_app.grant(12345, ["acme/booster"])
    assert deliver(github_app, "installation_repositories", payload, delivery_id="d-1").status_code == 200
    Repository.objects.filter(name="booster").update(active=False)  # paused by hand afterwards
    again = deliver(github_app, "installation_repositories", payload, delivery_id="d-1")
    assert again.status_code == 200 and again.json()["result"] == "already handled"
    assert followed(linked.tenant_a)["acme/booster"] is False  # the redelivery changed nothing
    GitHubDelivery.objects.filter(delivery_id="d-1").update(received_at=timezone.now() - timedelta(days=2))
    deliver(github_app, "ping", {"zen": "Keep it logically awesome."}, delivery_id="d-2")
    assert list(GitHubDelivery.objects.values_list("delivery_id", flat=True)) == ["d-2"]


def test_it_refuses_unsigned_forged_and_malformed_deliveries(linked, github_app, settings):
    payload = github_app.grant(12345, ["acme/booster"])
    assert deliver(github_app, "installation_repositories", payload, secret="wrong").status_code == 401
    body = json.dumps(payload).encode()
    assert Client().post(HOOK, body, content_type="application/json").status_code == 401
    assert "acme/booster" not in followed(linked.tenant_a)
    assert not GitHubDelivery.objects.exists()
    bad = deliver(github_app, "installation_repositories",
                  {"action": "added", "installation": {"id": 12345}, "repositories_added": [{"name": "x"}]})
    assert bad.status_code == 400 and "unexpected" in bad.json()["error"]
    assert not GitHubDelivery.objects.exists()  # not remembered: a fixed redelivery is acted on
    _, headers = github_app.delivery("ping", {}, secret=SECRET)
    signature = "sha256=" + hmac.new(SECRET.encode(), b"[1", hashlib.sha256).hexdigest()
    not_json = Client().post(HOOK, b"[1", content_type="application/json",
                             headers={**headers, "X-Hub-Signature-256": signature})
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    assert Client().get(HOOK).status_code == 405
    settings.GITHUB_APP_WEBHOOK_SECRET = ""
    assert deliver(github_app, "ping", {}).status_code == 503


def test_it_ignores_installations_linked_to_no_tenant(linked, github_app):
    github_app.add_installation(999, "strangers", [])
    response = deliver(github_app, "installation_repositories", github_app.grant(999, ["acme/booster"]))
    assert response.status_code == 200 and "ignored" in response.json()["result"]
    assert "acme/booster" not in followed(linked.tenant_a)


def test_it_suspends_unsuspends_and_unlinks_the_installation(linked, github_app):
    deliver(github_app, "installation", github_app.suspend(12345))
    assert GitHubAppInstallation.objects.get().suspended_at is not None
    page = linked.client_for(linked.owner_a).get("/t/acme/settings/credential/").content.decode()
    assert "suspended" in page
    deliver(github_app, "installation", github_app.suspend(12345, suspended=False))
    assert GitHubAppInstallation.objects.get().suspended_at is None
    deliver(github_app, "installation", github_app.uninstall(12345))
    assert not GitHubAppInstallation.objects.exists()
    assert followed(linked.tenant_a) == {"acme/rocket": True}  # repositories and history stay
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@acme.test"]
