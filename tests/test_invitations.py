"""Invitations need consent: the same answer whether or not the e-mail has an account, an e-mail with a
signed link, Accept/Decline by the invited person only, expiry, and OIDC first login as acceptance."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, RequestFactory

from tenants.models import Invitation, Membership, Role
from tenants.oidc import TenantOIDCBackend
from tenants.services import invitation_create

NOW = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)
MEMBERS = "/t/acme/settings/members/"


def link_in(message: mail.EmailMessage) -> str:
    return re.search(r"(?:http://testserver)?(/accounts/invitations/link/[^/\s]+/)", message.body).group(1)


def _api_invite(client: Client, email: str):
    return client.post(
        "/api/v1/t/acme/members/", data=json.dumps({"email": email, "role": "viewer"}), content_type="application/json"
    )


def test_it_answers_the_same_whether_or_not_the_account_exists(world) -> None:
    admin = world.client_for(world.owner_a)
    with time_machine.travel(NOW, tick=False):
        known, unknown = _api_invite(admin, "bob@globex.test"), _api_invite(admin, "nobody@globex.test")
        assert (known.status_code, unknown.status_code) == (201, 201)
        strip = lambda body: {k: v for k, v in body.items() if k != "email"}  # noqa: E731
        assert strip(known.json()) == strip(unknown.json())
        page_known = admin.post(MEMBERS, {"email": "bob2@globex.test", "role": "viewer"}, follow=True)
        User.objects.create_user("bob2", "bob2@globex.test")
        page_unknown = admin.post(MEMBERS, {"email": "bob3@globex.test", "role": "viewer"}, follow=True)
    messages = [[str(m) for m in r.context["messages"]] for r in (page_known, page_unknown)]
    assert messages[0] == [m.replace("bob3", "bob2") for m in messages[1]]
    assert not Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()
    assert len(mail.outbox) == 4  # everyone gets the e-mail, account or not


def test_it_lets_the_invited_user_accept_through_the_emailed_link(world) -> None:
    admin = world.client_for(world.owner_a)
    admin.post(MEMBERS, {"email": "Bob@Globex.test", "role": "maintainer"})
    [message] = mail.outbox
    assert message.to == ["Bob@Globex.test"] and "Acme" in message.subject
    link = link_in(message)
    # Someone else (even an admin of the tenant) cannot use it.
    assert admin.get(link).status_code == 404
    bob = world.client_for(world.owner_b)
    page = bob.get(link)
    assert page.status_code == 200 and "Acme" in page.content.decode()
    invitation = Invitation.objects.get(tenant=world.tenant_a)
    response = bob.post(f"/accounts/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == "/t/acme/"
    assert Membership.objects.get(tenant=world.tenant_a, user=world.owner_b).role == Role.MAINTAINER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Answered: the link is spent, the invitation gone from the list.
    assert bob.get(link).status_code == 302  # to the tenant it joined
    assert "Bob@Globex.test" not in admin.get(MEMBERS).content.decode().split("Pending invitations")[1]


def test_it_shows_pending_invitations_once_after_login_and_lets_the_user_decline(world) -> None:
    invitation_create(tenant=world.tenant_a, email="bob@globex.test", role=Role.VIEWER, invited_by=world.owner_a)
    bob = world.client_for(world.owner_b)
    assert bob.get("/")["Location"] == "/accounts/invitations/"
    page = bob.get("/accounts/invitations/").content.decode()
    assert "Acme" in page and "Accept" in page and "Decline" in page
    # Shown once per session: `/` leads on to the user's tenant afterwards.
    assert bob.get("/")["Location"] == "/t/globex/"
    assert "Acme" in bob.get("/accounts/profile/").content.decode()
    invitation = Invitation.objects.get()
    assert bob.post(f"/accounts/invitations/{invitation.pk}/decline/").status_code == 302
    assert not Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()
    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert bob.post(f"/accounts/invitations/{invitation.pk}/accept/").status_code == 404


def test_it_refuses_to_answer_someone_elses_invitation(world) -> None:
    invitation = invitation_create(tenant=world.tenant_b, email="victor@acme.test", role=Role.ADMIN)
    alice = world.client_for(world.owner_a)
    assert alice.post(f"/accounts/invitations/{invitation.pk}/accept/").status_code == 404
    assert not Membership.objects.filter(tenant=world.tenant_b, user=world.owner_a).exists()
    victor = world.client_for(world.viewer_a)
    assert victor.post(f"/accounts/invitations/{invitation.pk}/maybe/").status_code == 404
    assert victor.get("/accounts/invitations/link/not-a-token/").status_code == 404


def test_it_lets_invitations_expire(world, settings) -> None:
    settings.INVITATION_MAX_AGE_DAYS = 14
    with time_machine.travel(NOW, tick=False):
        invitation = invitation_create(tenant=world.tenant_a, email="bob@globex.test", role=Role.VIEWER)
        link = link_in(mail.outbox[0])
    assert invitation.expires_at == NOW + timedelta(days=14)
    bob = world.client_for(world.owner_b)
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        assert bob.get(link).status_code == 404
        assert bob.post(f"/accounts/invitations/{invitation.pk}/accept/").status_code == 404
        assert "expired" in world.client_for(world.owner_a).get(MEMBERS).content.decode()
        # Inviting again renews it.
        invitation_create(tenant=world.tenant_a, email="bob@globex.test", role=Role.VIEWER)
        assert bob.post(f"/accounts/invitations/{invitation.pk}/accept/").status_code == 302
    assert Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()


def _oidc_backend(settings) -> TenantOIDCBackend:
    settings.OIDC_ALLOW_SELF_SIGNUP = False
    backend = TenantOIDCBackend()
    request = RequestFactory().get("/oidc/callback/")
    request.session = Client().session
    backend.request = request
    return backend


def test_it_lets_a_new_oidc_identity_accept_by_logging_in(world, settings) -> None:
    backend = _oidc_backend(settings)
    invitation_create(tenant=world.tenant_a, email="guest@acme.test", role=Role.MAINTAINER)
    user = backend.create_user({"email": "Guest@acme.test", "email_verified": True})
    assert Membership.objects.get(user=user).role == Role.MAINTAINER


def test_it_does_not_create_an_oidc_user_for_an_expired_invitation(world, settings) -> None:
    backend = _oidc_backend(settings)
    with time_machine.travel(NOW, tick=False):
        invitation_create(tenant=world.tenant_a, email="late@acme.test", role=Role.VIEWER)
    with time_machine.travel(NOW + timedelta(days=settings.INVITATION_MAX_AGE_DAYS, seconds=1), tick=False):
        assert backend.create_user({"email": "late@acme.test", "email_verified": True}) is None
    assert not User.objects.filter(email="late@acme.test").exists()


def test_it_does_not_auto_accept_for_an_existing_user_logging_in_with_oidc(world, settings) -> None:
    """An existing account answers its invitations itself: an OIDC login accepts nothing."""
    backend = _oidc_backend(settings)
    invitation_create(tenant=world.tenant_a, email="bob@globex.test", role=Role.ADMIN)
    claims = {"email": "bob@globex.test", "email_verified": True}
    backend.get_userinfo = lambda access_token, id_token, payload: claims
    assert backend.get_or_create_user("access", "id", {}) == world.owner_b
    assert not Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()


@pytest.mark.parametrize("path", ["/accounts/invitations/", "/accounts/invitations/link/x/"])
def test_it_asks_anonymous_visitors_to_log_in_first(db, path) -> None:
    assert Client().get(path)["Location"].startswith("/accounts/login/")
