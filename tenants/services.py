"""Writes for tenants, members, invitations, credentials and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tenants.crypto import encrypt_secret
from tenants.models import GitHubAppInstallation, GitHubCredential, Invitation, Membership, Role, Tenant
from tenants.validators import validate_github_api_url

if TYPE_CHECKING:  # annotations only: tenants sits below repos and never imports it
    from repos.models import Repository


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


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: Role | str, invited_by: AbstractBaseUser | None = None
) -> Membership | Invitation:
    """Invite an e-mail. A user who already has this e-mail becomes a member at once; anyone else
    gets a pending invitation that turns into a membership at their first (verified) OIDC login."""
    email = email.strip()
    role = Role(role)
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(users) == 1:
        if Membership.objects.filter(tenant=tenant, user=users[0]).exists():
            raise TenantRuleError(f"{email} is already a member")
        return Membership.objects.create(tenant=tenant, user=users[0], role=role)
    invitation, created = Invitation.objects.get_or_create(
        tenant=tenant,
        email__iexact=email,
        defaults={"email": email, "role": role, "invited_by": invited_by},
    )
    if not created:
        invitation.role = role
        invitation.accepted_at = None
        invitation.save(update_fields=["role", "accepted_at"])
    return invitation


def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.delete()


@transaction.atomic
def invitations_accept(*, user: AbstractBaseUser, email: str) -> list[Membership]:
    """Turn the pending invitations of this (verified) e-mail into memberships."""
    if not email:
        return []
    memberships = []
    now = timezone.now()
    for invitation in Invitation.objects.select_for_update().filter(email__iexact=email, accepted_at__isnull=True):
        membership, created = Membership.objects.get_or_create(
            user=user, tenant_id=invitation.tenant_id, defaults={"role": invitation.role}
        )
        if created:
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
            defaults={"token_encrypted": encrypt_secret(token), "token_last4": token[-4:], "api_url": api_url},
        )
        # One credential at a time: a token replaces a linked GitHub App installation.
        GitHubAppInstallation.objects.filter(tenant=tenant).delete()
    return credential


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser) -> Token:
    """A new API token for the user; replaces the previous one (shown once)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_revoke(*, user: AbstractBaseUser) -> None:
    Token.objects.filter(user=user).delete()
