"""Collection and import with a GitHub App installation: installation tokens (refreshed before they
expire and after a 401), the installation's own rate budget, and errors that say what to do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from repos import services as repo_services
from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, DailyTraffic, RunItem
from tenants.app_installations import github_app_installation_set
from tenants.models import GitHubAppInstallation
from tests.collection_support import noon

# Tenant A's repositories are the ones each test sets up: acme/hidden-gem leaves the world.
pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)
NAMES = ["acme/rocket", "acme/booster", "acme/fuel", "acme/tower"]


@pytest.fixture
def linked(world, github_app, fake_github):
    """Tenant A follows four repositories through installation 12345 (one more is not granted)."""
    fake_github.set_today(DAY)
    for name in NAMES:
        repo = fake_github.add_repo(name, github_id=world.repo_a.github_id if name == "acme/rocket" else None)
        Repository.objects.get_or_create(tenant=world.tenant_a, owner="acme", name=name.split("/")[1],
                                         defaults={"github_id": repo.github_id})
    fake_github.add_repo("acme/not-granted")
    github_app.add_installation(12345, "acme", NAMES)
    github_app_installation_set(tenant=world.tenant_a, installation_id=12345, account="acme", follow_all=True)
    return world


def collect(tenant, *, day=DAY, concurrency=2):
    run = services.collection_run_start(tenant=tenant, trigger="command", now=noon(day))
    return services.collection_run_execute(run=run, concurrency=concurrency, now=noon(day))


def installation_requests(fake_github):
    return [r for r in fake_github.requests if r.path.startswith("/repos/")]


def test_it_collects_with_installation_tokens_and_the_installations_budget(linked, github_app, fake_github):
    run = collect(linked.tenant_a)
    assert run.status == CollectionRun.Status.SUCCEEDED, run.error_summary
    assert DailyTraffic.objects.filter(repository__tenant=linked.tenant_a).count() > 0
    sent = installation_requests(fake_github)
    assert sent and all(r.headers["Authorization"].startswith("Bearer ghs_") for r in sent)
    token = sent[0].headers["Authorization"].removeprefix("Bearer ")
    assert len(token) > 40  # installation tokens are longer than a classic token
    assert github_app.tokens_issued == 1  # one token served the whole run
    # The run reports the installation's own budget (12,500 an hour), not a personal 5,000.
    assert run.rate_limit_remaining == 12_500 - len(sent)
    client = repo_services.github_client_for_tenant(tenant=linked.tenant_a)
    with client:
        client.repository("acme/rocket")
    assert client.budget.limit == 12_500


def test_it_fetches_a_new_token_before_the_old_one_expires(linked, github_app, fake_github):
    github_app.token_ttl = 3600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = collect(linked.tenant_a)
        traveller.shift(timedelta(minutes=58))  # 2 minutes left: too close to use
        second = collect(linked.tenant_a, day=DAY + timedelta(days=1))
    assert first.status == second.status == CollectionRun.Status.SUCCEEDED, second.error_summary
    assert github_app.tokens_issued == 2
    assert fake_github.request_count(status=401) == 0  # replaced before GitHub refused it


def test_it_replaces_a_token_that_expires_mid_run_and_loses_nothing(linked, github_app, fake_github):
    # GitHub refuses the token after a few requests (expired early, or revoked): 401, then a fresh one.
    github_app.expire_after_requests = 5
    run = collect(linked.tenant_a, concurrency=1)
    assert run.status == CollectionRun.Status.SUCCEEDED, run.error_summary
    assert fake_github.request_count(status=401) >= 1
    assert github_app.tokens_issued >= 2
    assert RunItem.objects.filter(run=run, status=RunItem.Status.OK).count() == len(NAMES)


def test_it_says_what_to_do_when_the_app_lacks_administration_read(linked, fake_github):
    fake_github.inject_fault("acme/booster", "not_accessible")
    run = collect(linked.tenant_a)
    error = Repository.objects.get(name="booster").last_error
    assert "the App lacks Administration: read" in error
    assert "accept them in the organisation's settings" in error
    assert run.status == CollectionRun.Status.PARTIAL
    page = linked.client_for(linked.owner_a).get("/t/acme/repos/").content.decode()
    assert "lacks Administration: read" in page


def test_it_stops_with_a_clear_reason_while_the_installation_is_suspended(linked, github_app):
    github_app.suspend(12345)
    run = collect(linked.tenant_a)
    assert run.status == CollectionRun.Status.FAILED
    assert "installation is suspended" in RunItem.objects.filter(run=run).first().error
    assert GitHubAppInstallation.objects.get(installation_id=12345).suspended_at is not None
    github_app.suspend(12345, suspended=False)
    assert collect(linked.tenant_a, day=DAY + timedelta(days=1)).status == CollectionRun.Status.SUCCEEDED
    assert GitHubAppInstallation.objects.get(installation_id=12345).suspended_at is None


def test_it_unlinks_a_revoked_installation_and_warns_the_admins(linked, github_app):
    github_app.uninstall(12345)  # no webhook reached us
    run = collect(linked.tenant_a)
    assert run.status == CollectionRun.Status.FAILED
    assert "uninstalled" in RunItem.objects.filter(run=run).first().error
    assert not GitHubAppInstallation.objects.exists()
    assert Repository.objects.filter(tenant=linked.tenant_a).count() == len(NAMES)  # history stays
    assert [m.to for m in mail.outbox] == [["alice@acme.test"]]
    assert "uninstalled" in mail.outbox[0].body


def test_it_imports_the_installations_repositories(linked, fake_github):
    Repository.objects.filter(tenant=linked.tenant_a).exclude(name="rocket").delete()
    found = repo_services.github_repositories(tenant=linked.tenant_a)
    assert sorted(info.full_name for info in found) == sorted(NAMES)  # not acme/not-granted
    assert repo_services.github_repositories(tenant=linked.tenant_a, org="globex") == []
