"""Writes for tenants, members, invitations, credentials and API tokens."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from tenants.crypto import encrypt_secret
from tenants.models import (
    GitHubAppInstallation,
    GitHubCredential,
    Invitation,
    Membership,
    Role,
    Tenant,
    invitation_expiry,
)
from tenants.scoping import system_scope, tenant_scope
from tenants.validators import validate_github_api_url

if TYPE_CHECKING:  # annotations only: tenants sits below repos and never imports it
    from repos.models import Repository

logger = logging.getLogger(__name__)


class TenantRuleError(ValueError):
    """A member-management request that would break a tenant rule (e.g. removing the last admin)."""


@transaction.atomic
def tenant_create(*, slug: str, name: str, admin: AbstractBaseUser | None = None) -> Tenant:
    tenant = Tenant.objects.create(slug=slug, name=name)
    if admin is not None:
        Membership.objects.create(user=admin, tenant=tenant, role=Role.ADMIN)
    return tenant


def tenant_create_for_signup(*, slug: str, name: str, admin: AbstractBaseUser) -> Tenant:
    """Self-service install (OIDC_ALLOW_SELF_SIGNUP): a new identity gets its own tenant."""
    return tenant_create(slug=slug, name=name, admin=admin)


def tenant_rename(*, tenant: Tenant, name: str) -> Tenant:
    name = name.strip()
    if not name:
        raise TenantRuleError("name must not be empty")
    tenant.name = name
    tenant.save(update_fields=["name"])
    return tenant


def membership_set(*, tenant: Tenant, user: AbstractBaseUser, role: Role | str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": str(role)})
    return membership


def _other_admins(membership: Membership) -> bool:
    return Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.ADMIN).exclude(pk=membership.pk).exists()


@transaction.atomic
def membership_role_change(*, membership: Membership, role: Role | str) -> Membership:
    role = Role(role)
    # Lock the tenant's admin rows so two concurrent demotions cannot both pass the check.
    list(Membership.objects.select_for_update().filter(tenant_id=membership.tenant_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(membership):
        raise TenantRuleError("a tenant needs at least one admin: promote someone else first")
    membership.role = role
    membership.save(update_fields=["role"])
    if role != Role.VIEWER:
        # Repository limits only apply to viewers.
        membership.limited_to.clear()
        membership.repository_limited = False
        membership.save(update_fields=["repository_limited"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    list(Membership.objects.select_for_update().filter(tenant_id=membership.tenant_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise TenantRuleError("the last admin of a tenant cannot be removed")
    membership.delete()


def membership_limit_set(*, membership: Membership, repositories: Iterable[Repository]) -> Membership:
    """Limit a viewer to these repositories of their tenant (empty: every repository)."""
    repositories = list(repositories)
    if any(repo.tenant_id != membership.tenant_id for repo in repositories):
        raise TenantRuleError("repositories must belong to the member's tenant")
    if repositories and membership.role != Role.VIEWER:
        raise TenantRuleError("only viewers can be limited to selected repositories")
    with transaction.atomic():
        membership.limited_to.set(repositories)
        membership.repository_limited = bool(repositories)
        membership.save(update_fields=["repository_limited"])
    return membership


INVITATION_TOKEN_SALT = "ghtraffic.tenants.invitation"


def invitation_link_token(*, invitation: Invitation) -> str:
    """A signed, dated token naming the invitation (for the e-mailed link; expires with the invitation)."""
    return signing.dumps({"invitation": invitation.pk, "email": invitation.email.lower()}, salt=INVITATION_TOKEN_SALT)


def invitation_from_link_token(token: str) -> Invitation | None:
    """The invitation a link token names, or None when the token is forged, expired or stale."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=INVITATION_TOKEN_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("invitation"), int):
        return None
    with system_scope():  # scope: a signed link names an invitation of any tenant
        invitation = Invitation.objects.select_related("tenant").filter(pk=payload["invitation"]).first()
    if invitation is None or invitation.email.lower() != payload.get("email"):
        return None
    return invitation


def invitation_create(
    *, tenant: Tenant, email: str, role: Role | str, invited_by: AbstractBaseUser | None = None, base_url: str = ""
) -> Invitation:
    """Invite an e-mail: always a pending invitation, answered the same whether an account with that
    e-mail exists or not (so the answer tells nobody that). The person joins only by accepting it: on
    the pending-invitations page, through the e-mailed link, or (a new identity) at first OIDC login.
    Inviting again renews the invitation (role, expiry) and sends the e-mail again."""
    email = email.strip()
    role = Role(role)
    with transaction.atomic():
        if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
            # Members are listed to the admins already: this tells them nothing new.
            raise TenantRuleError(f"{email} is already a member")
        invitation, created = Invitation.objects.get_or_create(
            tenant=tenant,
            email__iexact=email,
            defaults={"email": email, "role": role, "invited_by": invited_by},
        )
        if not created:
            invitation.role = role
            invitation.invited_by = invited_by
            invitation.accepted_at = None
            invitation.declined_at = None
            invitation.expires_at = invitation_expiry()
            # An admin's invitation is for every repository, whatever an import had limited it to.
            invitation.repository_limited = False
            invitation.save(update_fields=["role", "invited_by", "accepted_at", "declined_at", "expires_at",
                                           "repository_limited"])
            invitation.limited_to.clear()
    _invitation_mail_send(invitation=invitation, base_url=base_url)
    return invitation


def _invitation_mail_send(*, invitation: Invitation, base_url: str) -> None:
    site = settings.SITE_URL or base_url.rstrip("/")
    link = site + reverse("invitation-link", kwargs={"token": invitation_link_token(invitation=invitation)})
    body = render_to_string(
        "accounts/invitation_email.txt",
        {"invitation": invitation, "tenant": invitation.tenant, "link": link, "site": site},
    )
    try:
        send_mail(
            f"Invitation to {invitation.tenant.name} on ghtraffic",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [invitation.email],
        )
    except Exception:  # the invitation stands: the person still sees it when they log in
        logger.exception("could not send the invitation e-mail for invitation %s", invitation.pk)


def invitation_import(
    *,
    tenant: Tenant,
    email: str,
    role: Role | str,
    repositories: Iterable[Repository] | None = None,
    notify: bool = False,
    base_url: str = "",
) -> bool:
    """An invitation carried over from another system (history import). `repositories` (not None) makes
    a viewer invitation limited to them. A member with that e-mail, or any invitation of it already
    here, is kept as it is, so importing twice changes nothing. Returns whether one was created; the
    e-mail (`notify`) goes out once the caller's transaction commits."""
    email = email.strip()
    role = Role(role)
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        return False
    if Invitation.objects.filter(tenant=tenant, email__iexact=email).exists():
        return False
    limited = repositories is not None and role == Role.VIEWER
    invitation = Invitation.objects.create(tenant=tenant, email=email, role=role, repository_limited=limited)
    if limited and repositories is not None:
        invitation.limited_to.set(list(repositories))
    if notify:
        transaction.on_commit(lambda: _invitation_mail_send(invitation=invitation, base_url=base_url))
    return True


def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.delete()


@transaction.atomic
def invitation_respond(*, invitation: Invitation, user: AbstractBaseUser, accept: bool) -> Membership | None:
    """The invited person accepts (a membership with the invited role) or declines. The caller has
    checked that the invitation is pending and addressed to this user's e-mail."""
    now = timezone.now()
    with system_scope():  # scope: the invited person answers from outside the tenant
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not accept:
        invitation.declined_at = now
        invitation.save(update_fields=["declined_at"])
        return None
    membership, created = Membership.objects.get_or_create(
        user=user, tenant_id=invitation.tenant_id, defaults={"role": invitation.role}
    )
    if created:
        _invitation_limits_apply(invitation=invitation, membership=membership)
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    return membership


def _invitation_limits_apply(*, invitation: Invitation, membership: Membership) -> None:
    """A repository-limited invitation makes a repository-limited viewer (possibly of none left)."""
    if not invitation.repository_limited or membership.role != Role.VIEWER:
        return
    with tenant_scope(invitation.tenant):  # scope: the invitation's own tenant (its repositories)
        membership.limited_to.set(list(invitation.limited_to.all()))
    membership.repository_limited = True
    membership.save(update_fields=["repository_limited"])


@transaction.atomic
def invitations_accept(*, user: AbstractBaseUser, email: str) -> list[Membership]:
    """Turn the pending invitations of this (verified) e-mail into memberships: for an identity that
    has just been created by its first OIDC login, which is its acceptance."""
    if not email:
        return []
    memberships = []
    now = timezone.now()
    with system_scope():  # scope: invitations of any tenant to this verified e-mail
        pending = list(Invitation.objects.select_for_update().filter(
            email__iexact=email, accepted_at__isnull=True, declined_at__isnull=True, expires_at__gt=now
        ))
    for invitation in pending:
        membership, created = Membership.objects.get_or_create(
            user=user, tenant_id=invitation.tenant_id, defaults={"role": invitation.role}
        )
        if created:
            _invitation_limits_apply(invitation=invitation, membership=membership)
            memberships.append(membership)
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
    return memberships


def github_credential_set(*, tenant: Tenant, token: str, api_url: str = "") -> GitHubCredential:
    token = token.strip()
    if not token:
        raise ValueError("token must not be empty")
    try:
        validate_github_api_url(api_url)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    with transaction.atomic():
        credential, _ = GitHubCredential.objects.update_or_create(
            tenant=tenant,
            defaults={
                "token_encrypted": encrypt_secret(token), "token_last4": token[-4:], "api_url": api_url,
                # A new token: its expiry is learnt from GitHub's next answer.
                "expires_at": None,
            },
        )
        # One credential at a time: a token replaces a linked GitHub App installation.
        GitHubAppInstallation.objects.filter(tenant=tenant).delete()
    return credential


def api_token_create(*, user: AbstractBaseUser) -> tuple[AuthToken, str]:
    """A new API token for the user, valid API_TOKEN_TTL_DAYS. Returns the stored row (a digest) and the
    key, which exists only here: show it once."""
    return AuthToken.objects.create(user=user)


def api_token_revoke(*, user: AbstractBaseUser, token_id: str | None = None) -> int:
    """Revoke one of the user's tokens (by its id, the digest), or all of them when no id is given."""
    tokens = AuthToken.objects.filter(user=user)
    if token_id is not None:
        tokens = tokens.filter(digest=token_id)
    deleted, _ = tokens.delete()
    return deleted
