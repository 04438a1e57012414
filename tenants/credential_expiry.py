"""Recording when a tenant's personal token expires, as GitHub announced it on the last collection.

Kept apart from tenants/services.py so the collection engine can use it without the API stack."""

from __future__ import annotations

from datetime import datetime

from tenants.models import GitHubCredential, Tenant


def github_credential_expiry_record(*, tenant: Tenant, expires_at: datetime | None) -> bool:
    """Store the token's expiry (None: GitHub announced none); True when it changed. A GitHub App
    installation has no stored credential: nothing to record."""
    changed = GitHubCredential.objects.filter(tenant=tenant).exclude(expires_at=expires_at)
    if expires_at is None:
        changed = GitHubCredential.objects.filter(tenant=tenant, expires_at__isnull=False)
    return changed.update(expires_at=expires_at) > 0
