"""Reads for tenants and members. Tenant-scoped reads take a TenantAccess (`access=`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from knox.models import AuthToken

from tenants.access import TenantAccess
from tenants.crypto import SecretDecryptionError, decrypt_secret
from tenants.models import GitHubAppInstallation, GitHubCredential, Invitation, Membership, Tenant
from tenants.scoping import system_scope


def user_tenants(*, user: AbstractBaseUser) -> QuerySet[Tenant]:
    return Tenant.objects.filter(memberships__user=user).order_by("name", "slug")


def user_memberships(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    """The user's own memberships (not tenant-scoped: it is how a user finds their tenants)."""
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def api_tokens_list(*, user: AbstractBaseUser) -> QuerySet[AuthToken]:
    """The user's unexpired API tokens (digests only: the keys are never stored)."""
    unexpired = Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    return AuthToken.objects.filter(unexpired, user=user).order_by("-created")


def members_list(*, access: TenantAccess) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=access.tenant)
        .select_related("user")
        .prefetch_related("limited_to")
        .order_by("user__username")
    )


def member_get(*, access: TenantAccess, membership_id: int) -> Membership:
    """A membership of the access's tenant, or 404."""
    return get_object_or_404(Membership.objects.select_related("user"), tenant=access.tenant, pk=membership_id)


def invitations_pending(*, access: TenantAccess) -> QuerySet[Invitation]:
    """The tenant's open invitations (expired ones too, marked so by the page): not accepted or declined."""
    return Invitation.objects.filter(tenant=access.tenant, accepted_at__isnull=True, declined_at__isnull=True).order_by(
        "email"
    ).prefetch_related("limited_to")


def invitation_get(*, access: TenantAccess, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, tenant=access.tenant, pk=invitation_id, accepted_at__isnull=True)


def invitations_for_user(*, user: AbstractBaseUser) -> QuerySet[Invitation]:
    """Invitations waiting for this user's answer: to their e-mail, unexpired, for tenants they are not in."""
    if not getattr(user, "email", ""):
        return Invitation.objects.none()
    with system_scope():  # scope: a person's own invitations, from any tenant (matched by their e-mail)
        return (
            Invitation.objects.filter(
                email__iexact=user.email,
                accepted_at__isnull=True,
                declined_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .exclude(tenant__memberships__user=user)
            .select_related("tenant", "invited_by")
            .order_by("tenant__name")
        )


def invitation_for_user_get(*, user: AbstractBaseUser, invitation_id: int) -> Invitation:
    """One of the user's own pending invitations, or 404 (also for anyone else's)."""
    return get_object_or_404(invitations_for_user(user=user), pk=invitation_id)


def github_credential_get(*, access: TenantAccess) -> GitHubCredential | None:
    return GitHubCredential.objects.filter(tenant=access.tenant).first()


def github_app_installation_get(*, access: TenantAccess) -> GitHubAppInstallation | None:
    return GitHubAppInstallation.objects.filter(tenant=access.tenant).first()


def github_app_installation_of(*, tenant: Tenant) -> GitHubAppInstallation | None:
    """The tenant's linked installation, for system work (collection, webhooks): not access-scoped."""
    return GitHubAppInstallation.objects.filter(tenant=tenant).first()


def github_app_installation_by_id(*, installation_id: int) -> GitHubAppInstallation | None:
    """Which tenant an installation belongs to (App webhooks name the installation, not the tenant)."""
    with system_scope():  # scope: finding the tenant is the point
        return (
            GitHubAppInstallation.objects.select_related("tenant").filter(installation_id=installation_id).first()
        )


class CredentialUnavailable(Exception):
    """The tenant has no GitHub token (`missing`), or it cannot be decrypted; the message says which."""

    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class CredentialSecret:
    token: str
    api_url: str  # "" means the server's GITHUB_API_URL

    def __repr__(self) -> str:  # never print the token
        return f"CredentialSecret(api_url={self.api_url!r})"


def github_credential_secret(*, tenant: Tenant) -> CredentialSecret:
    """The tenant's decrypted token, for the GitHub client only (system work: not tenant-access scoped)."""
    credential = GitHubCredential.objects.filter(tenant=tenant).first()
    if credential is None:
        raise CredentialUnavailable("no GitHub token configured for this tenant", missing=True)
    try:
        token = decrypt_secret(credential.token_encrypted)
    except SecretDecryptionError as exc:
        raise CredentialUnavailable(str(exc), missing=False) from None
    return CredentialSecret(token=token, api_url=credential.api_url)
