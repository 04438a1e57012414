"""Reads of a tenant's repositories (always through `access.repositories()`)."""

from __future__ import annotations

from django.db.models import QuerySet

from repos.models import Repository
from tenants.access import TenantAccess


def repository_list(*, access: TenantAccess) -> QuerySet[Repository]:
    return access.repositories().order_by("owner", "name")


def repository_for(*, access: TenantAccess, owner: str, name: str) -> Repository | None:
    """The visible repository called owner/name (GitHub names are case-insensitive), or None."""
    return access.repositories().filter(owner__iexact=owner, name__iexact=name).first()


# (text found in the stored error, what to do about it), first match wins.
_FIX_HINTS = (
    ("bad credentials", "The GitHub token is invalid or expired: paste a new one in Settings → GitHub credential."),
    ("401", "The GitHub token is invalid or expired: paste a new one in Settings → GitHub credential."),
    ("decrypt", "The stored token cannot be decrypted with FIELD_ENCRYPTION_KEY: re-enter the GitHub token."),
    ("rate limit", "GitHub's rate limit was reached: the next run continues where this one stopped."),
    ("push access", "Traffic needs push access: give the token's owner write access to this repository "
                    "(classic token: repo scope; fine-grained: Administration read)."),
    ("403", "Traffic needs push access: give the token's owner write access to this repository "
            "(classic token: repo scope; fine-grained: Administration read)."),
    ("404", "GitHub does not show this repository to the token: check the name (renamed or deleted?) "
            "and that the token can see it."),
    ("not found", "GitHub does not show this repository to the token: check the name (renamed or deleted?) "
                  "and that the token can see it."),
    ("no credential", "Add a GitHub token in Settings → GitHub credential."),
    ("credential", "Check the GitHub token in Settings → GitHub credential."),
)


def error_fix_hint(error: str) -> str:
    """A one-line fix for a stored collection error; generic advice when the error is unknown."""
    if not error:
        return ""
    lowered = error.lower()
    for needle, hint in _FIX_HINTS:
        if needle in lowered:
            return hint
    return "Retry with “Collect now”; if it keeps failing, check the runs page for details."
