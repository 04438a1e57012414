"""Warnings before loss: the token's expiry from GitHub's header (e-mailed once at 14 and once at 3 days, shown
to admins, failing check_collection), a suspended or revoked GitHub App installation, lost access."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from repos.github import ErrorCode
from repos.github_budget import RateBudget
from repos.github_token_expiry import token_expiration_parse
from stats.collection import services
from stats.models import NotificationPreference, WarningNotice
from stats.notify.services import notification_preferences_set, warnings_notify
from stats.notify.warnings import tenant_warnings
from tenants.models import GitHubAppInstallation, GitHubCredential, Membership
from tenants.services import github_credential_set
from tests.collection_support import TOKEN, give_token, noon

DAY = date(2026, 3, 4)
NOW = noon(DAY)


def collect(tenant, now):
    run = services.collection_run_start(tenant=tenant, trigger="command", now=now)
    return services.collection_run_execute(run=run, now=now)


def expiring(tenant, *, at: datetime) -> GitHubCredential:
    credential = give_token(tenant)
    credential.expires_at = at
    credential.save()
    return credential


def kinds(tenant, now=NOW) -> list[str]:
    return [warning.kind for warning in tenant_warnings(tenant=tenant, now=now)]


def test_it_parses_githubs_expiry_header_formats() -> None:
    assert token_expiration_parse("2026-12-14 10:00:00 UTC") == datetime(2026, 12, 14, 10, tzinfo=UTC)
    assert token_expiration_parse("2026-12-14 10:00:00 -0700") == datetime(2026, 12, 14, 17, tzinfo=UTC)
    assert token_expiration_parse("next tuesday") is None
    assert token_expiration_parse(None) is None


def test_it_remembers_the_expiry_the_budget_saw() -> None:
    budget = RateBudget()
    budget.observe({"x-ratelimit-remaining": "10"})
    assert budget.token_expires_at is None
    budget.observe({"github-authentication-token-expiration": "2026-03-18 12:00:00 UTC"})
    budget.observe({"x-ratelimit-remaining": "9"})  # an answer without the header forgets nothing
    assert budget.token_expires_at == datetime(2026, 3, 18, 12, tzinfo=UTC)


def test_it_stores_the_expiry_header_on_the_credential_when_collecting(fake_github, rocket_only) -> None:
    world = rocket_only
    give_token(world.tenant_a)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.set_now(NOW)
    fake_github.token_expirations[TOKEN] = "2026-03-18 12:00:00 UTC"
    collect(world.tenant_a, NOW)
    assert GitHubCredential.objects.get(tenant=world.tenant_a).expires_at == datetime(2026, 3, 18, 12, tzinfo=UTC)
    assert kinds(world.tenant_a) == ["token_expiring"]
    # A new token forgets the old one's expiry until GitHub tells the new one's.
    github_credential_set(tenant=world.tenant_a, token="ghp_another_token_without_expiry")
    assert GitHubCredential.objects.get(tenant=world.tenant_a).expires_at is None
    assert kinds(world.tenant_a) == []


def test_it_emails_the_admins_once_at_14_days_and_once_at_3_days(world) -> None:
    expires = NOW + timedelta(days=20)
    expiring(world.tenant_a, at=expires)
    assert warnings_notify(tenant=world.tenant_a, now=NOW) == []  # 20 days: nothing yet
    assert mail.outbox == []

    fourteen = expires - timedelta(days=14)
    sent = warnings_notify(tenant=world.tenant_a, now=fourteen)
    assert [warning.kind for warning in sent] == ["token_expiring"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@acme.test"]  # admins only
    assert "expires in 14 days" in mail.outbox[0].subject
    assert "Settings → GitHub credential" in mail.outbox[0].body
    # The hourly check runs again and again: no second e-mail for the same threshold.
    for hours in (1, 2, 24, 24 * 10):
        warnings_notify(tenant=world.tenant_a, now=fourteen + timedelta(hours=hours))
    assert len(mail.outbox) == 1

    three = expires - timedelta(days=3)
    warnings_notify(tenant=world.tenant_a, now=three)
    warnings_notify(tenant=world.tenant_a, now=three + timedelta(hours=5))
    assert len(mail.outbox) == 2
    assert "expires in 3 days" in mail.outbox[1].subject
    assert list(WarningNotice.objects.filter(tenant=world.tenant_a).values_list("key", flat=True)) == [
        f"token_expiring:3:{TOKEN[-4:]}:{expires:%Y%m%d%H%M}"
    ]

    warnings_notify(tenant=world.tenant_a, now=expires + timedelta(minutes=1))
    assert len(mail.outbox) == 3
    assert "expired" in mail.outbox[2].subject


def test_it_warns_again_for_a_renewed_token_that_expires_later(world) -> None:
    first = expiring(world.tenant_a, at=NOW + timedelta(days=10))
    warnings_notify(tenant=world.tenant_a, now=NOW)
    first.expires_at = NOW + timedelta(days=100)
    first.save()
    warnings_notify(tenant=world.tenant_a, now=NOW)
    assert not WarningNotice.objects.filter(tenant=world.tenant_a).exists()  # nothing to warn about any more
    assert warnings_notify(tenant=world.tenant_a, now=NOW + timedelta(days=90))  # the new token's 14 days
    assert len(mail.outbox) == 2


def test_it_respects_an_admin_who_turned_warning_emails_off(world) -> None:
    expiring(world.tenant_a, at=NOW + timedelta(days=3))
    notification_preferences_set(membership=Membership.objects.get(user=world.alice), warning_email=False)
    warnings_notify(tenant=world.tenant_a, now=NOW)
    assert mail.outbox == []
    assert NotificationPreference.objects.get(membership__user=world.alice).spike_email is False


def test_it_shows_the_expiry_banner_to_admins_only(world, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    expiring(world.tenant_a, at=NOW + timedelta(days=3))
    page = world.client_for(world.alice).get("/t/acme/").content.decode()
    assert 'data-warning="token_expiring"' in page
    assert "expires in 3 days" in page
    assert "expires in 3 days" not in world.client_for(world.victor).get("/t/acme/").content.decode()
    assert "credential-warnings" not in world.client_for(world.bob).get("/t/globex/").content.decode()
    settings_page = world.client_for(world.alice).get("/t/acme/settings/credential/").content.decode()
    assert "GitHub says it expires 7 Mar 2026 12:00 UTC" in settings_page


def test_it_makes_check_collection_fail_on_an_expiring_token(world, time_machine, capsys) -> None:
    time_machine.move_to(NOW, tick=False)
    for repository in (world.repo_a, world.repo_a_hidden):
        repository.last_success_at = timezone.now()
        repository.save()
    call_command("check_collection", "--tenant", "acme")  # nothing at risk: exit 0
    expiring(world.tenant_a, at=NOW + timedelta(days=14))
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_collection", "--tenant", "acme", "--email")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "acme: The GitHub token …" in out and "expires in 14 days" in out
    assert len(mail.outbox) == 1
    with pytest.raises(SystemExit):
        call_command("check_collection", "--tenant", "acme", "--email")
    assert len(mail.outbox) == 1  # e-mailed once


def test_it_warns_about_a_suspended_app_installation(world) -> None:
    GitHubAppInstallation.objects.create(tenant=world.tenant_a, installation_id=77, account="acme", suspended_at=NOW)
    assert kinds(world.tenant_a) == ["app_suspended"]
    warnings_notify(tenant=world.tenant_a, now=NOW)
    warnings_notify(tenant=world.tenant_a, now=NOW + timedelta(hours=1))
    assert len(mail.outbox) == 1
    assert "suspended" in mail.outbox[0].subject
    assert kinds(world.tenant_b) == []


def test_it_warns_when_the_app_installation_was_revoked(world) -> None:
    # What the collection leaves behind: the installation unlinked, repositories failing for want of a credential.
    world.repo_a.last_error_code = ErrorCode.NO_CREDENTIAL
    world.repo_a.save()
    assert kinds(world.tenant_a) == []  # never collected: a tenant still setting up, not a loss
    world.repo_a.last_error_code = ErrorCode.APP_UNINSTALLED
    world.repo_a.last_success_at = NOW - timedelta(days=1)
    world.repo_a.save()
    assert kinds(world.tenant_a) == ["credential_gone"]
    warnings_notify(tenant=world.tenant_a, now=NOW)
    assert "revoked or uninstalled" in mail.outbox[0].subject


def test_it_warns_about_a_token_github_rejects(world) -> None:
    give_token(world.tenant_a)
    world.repo_a.last_error_code = ErrorCode.BAD_CREDENTIAL
    world.repo_a.save()
    assert kinds(world.tenant_a) == ["token_rejected"]


def test_it_warns_once_about_repositories_that_lost_access_and_again_after_recovery(world) -> None:
    give_token(world.tenant_a)
    world.repo_a_hidden.last_error_code = ErrorCode.NO_PUSH_ACCESS
    world.repo_a_hidden.save()
    [warning] = tenant_warnings(tenant=world.tenant_a, now=NOW)
    assert warning.kind == "lost_access"
    assert warning.repositories == ("acme/hidden-gem",)
    warnings_notify(tenant=world.tenant_a, now=NOW)
    warnings_notify(tenant=world.tenant_a, now=NOW + timedelta(hours=1))
    assert len(mail.outbox) == 1
    assert "acme/hidden-gem" in mail.outbox[0].body

    world.repo_a_hidden.last_error_code = ""  # access granted again
    world.repo_a_hidden.save()
    warnings_notify(tenant=world.tenant_a, now=NOW + timedelta(hours=2))
    world.repo_a_hidden.last_error_code = ErrorCode.NOT_FOUND  # and lost again
    world.repo_a_hidden.save()
    warnings_notify(tenant=world.tenant_a, now=NOW + timedelta(hours=3))
    assert len(mail.outbox) == 2
