"""Validation of a tenant's GitHub API URL override.

The collector sends the tenant's token to this URL and shows parts of the answers to members, so a
tenant admin must not be able to point it at an arbitrary (internal) address: only https URLs on
hosts the site operator allowed in GITHUB_API_ALLOWED_HOSTS (GitHub Enterprise) are accepted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def validate_github_api_url(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValidationError("API URL must use https: the GitHub token is sent to it.")
    allowed = {host.lower() for host in settings.GITHUB_API_ALLOWED_HOSTS}
    if not allowed:
        raise ValidationError(
            "API URL overrides are disabled here; the site operator can allow a GitHub Enterprise host "
            "with GITHUB_API_ALLOWED_HOSTS."
        )
    if (parts.hostname or "").lower() not in allowed:
        raise ValidationError(f"API URL host {parts.hostname!r} is not in GITHUB_API_ALLOWED_HOSTS.")
