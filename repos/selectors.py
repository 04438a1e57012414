"""Reads of a tenant's repositories (always through `access.repositories()`)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from repos.models import InstallationRepository, Repository
from tenants.access import TenantAccess

# GitHub serves the last 14 days of traffic: a day not collected within 14 days of its end is lost.
GITHUB_WINDOW_DAYS = 14


def today_utc(today: date | None = None) -> date:
    """The UTC day GitHub counts in (or the injected `today` of a test or simulation)."""
    return today if today is not None else timezone.now().date()


def days_left(*, last_success_on: date | None, today: date) -> int | None:
    """Days until the oldest uncollected day falls out of GitHub's window (None: never collected)."""
    if last_success_on is None:
        return None
    return (last_success_on - today).days + GITHUB_WINDOW_DAYS


def days_before_github_forgets(*, repository: Repository, today: date) -> int | None:
    """Days left before the oldest day not yet collected falls out of GitHub's 14-day window."""
    last = repository.last_success_at
    return days_left(last_success_on=last.date() if last else None, today=today)


def repository_list(*, access: TenantAccess) -> QuerySet[Repository]:
    return access.repositories().order_by("owner", "name")


def repository_for(*, access: TenantAccess, owner: str, name: str) -> Repository | None:
    """The visible repository called owner/name (GitHub names are case-insensitive), or None."""
    return access.repositories().filter(owner__iexact=owner, name__iexact=name).first()


def installation_repositories_offered(*, access: TenantAccess) -> list[InstallationRepository]:
    """Repositories granted to the tenant's GitHub App installation that the tenant does not follow."""
    followed = Repository.objects.filter(tenant=access.tenant)
    followed_ids = set(followed.exclude(github_id__isnull=True).values_list("github_id", flat=True))
    followed_names = {f"{owner}/{name}".lower() for owner, name in followed.values_list("owner", "name")}
    return [
        row for row in InstallationRepository.objects.filter(tenant=access.tenant).order_by("owner", "name")
        if row.github_id not in followed_ids and row.full_name.lower() not in followed_names
    ]


_APP_PERMISSIONS_HINT = (
    "The GitHub App lacks Administration: read: edit the App's permissions on GitHub, then accept them in the "
    "organisation's settings → GitHub Apps."
)
# (text found in the stored error, what to do about it), first match wins.
_FIX_HINTS = (
    ("lacks administration", _APP_PERMISSIONS_HINT),
    ("installation is suspended", "An organisation owner suspended the GitHub App: unsuspend it in the "
                                  "organisation's settings → GitHub Apps → Configure."),
    ("was uninstalled", "The GitHub App was uninstalled: connect it again in Settings → GitHub credential."),
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
