"""Writes for tenants, members and credentials."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tenants.crypto import encrypt_secret
from tenants.models import GitHubCredential, Membership, Role, Tenant


@transaction.atomic
def tenant_create(*, slug: str, name: str, admin: AbstractBaseUser | None = None) -> Tenant:
    tenant = Tenant.objects.create(slug=slug, name=name)
    if admin is not None:
        Membership.objects.create(user=admin, tenant=tenant, role=Role.ADMIN)
    return tenant


def membership_set(*, tenant: Tenant, user: AbstractBaseUser, role: Role | str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": str(role)})
    return membership


def github_credential_set(*, tenant: Tenant, token: str, api_url: str = "") -> GitHubCredential:
    token = token.strip()
    if not token:
        raise ValueError("token must not be empty")
    credential, _ = GitHubCredential.objects.update_or_create(
        tenant=tenant,
        defaults={"token_encrypted": encrypt_secret(token), "token_last4": token[-4:], "api_url": api_url},
    )
    return credential
