"""The GitHub client of a tenant: its decrypted credential and API URL, shared by import and collection."""

from __future__ import annotations

from django.conf import settings

from repos.github import GitHubClient, RateBudget
from tenants.models import Tenant
from tenants.selectors import CredentialUnavailable, github_credential_secret


class CredentialError(Exception):
    """The tenant has no usable GitHub token."""


def github_client_for_tenant(
    *, tenant: Tenant, concurrency: int | None = None, budget: RateBudget | None = None
) -> GitHubClient:
    """A client with the tenant's decrypted token; raises CredentialError with a readable reason."""
    try:
        secret = github_credential_secret(tenant=tenant)
    except CredentialUnavailable as exc:
        raise CredentialError(str(exc)) from None
    return GitHubClient(
        token=secret.token,
        base_url=secret.api_url or settings.GITHUB_API_URL,
        pool_size=concurrency or settings.COLLECT_CONCURRENCY,
        budget=budget,
        # The server's own GITHUB_API_URL is trusted; a tenant's override may only reach public addresses.
        public_addresses_only=bool(secret.api_url),
    )
