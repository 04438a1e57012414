"""Reads of a tenant's repositories (always through `access.repositories()`)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from repos.github import ErrorCode
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
    # The day series is what loses days; older rows have only last_success_at.
    last = repository.day_series_fetched_on or (
        repository.last_success_at.date() if repository.last_success_at else None
    )
    return days_left(last_success_on=last, today=today)


def repository_list(*, access: TenantAccess) -> QuerySet[Repository]:
    return access.repositories().order_by("owner", "name")


def repository_get_or_404(*, access: TenantAccess, owner: str, name: str) -> Repository:
    """The visible repository called owner/name, or Http404 (another tenant's, hidden or unknown alike)."""
    repository = repository_for(access=access, owner=owner, name=name)
    if repository is None:
        raise Http404("No such repository")
    return repository


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


_TOKEN_INVALID = "The GitHub token is invalid or expired: paste a new one in Settings → GitHub credential."
_PUSH_ACCESS = ("Traffic needs push access: give the token's owner write access to this repository "
                "(classic token: repo scope; fine-grained: Administration read).")
_NOT_VISIBLE = ("GitHub does not show this repository to the token: check the name (renamed or deleted?) "
                "and that the token can see it.")
_RETRY = "Retry with “Collect now”; if it keeps failing, check the runs page for details."

# What to do about each cause of a failed collection (repos.github.ErrorCode values).
FIX_HINTS: dict[str, str] = {
    ErrorCode.NO_CREDENTIAL: "Add a GitHub token in Settings → GitHub credential.",
    ErrorCode.BAD_CREDENTIAL: _TOKEN_INVALID,
    ErrorCode.NO_PUSH_ACCESS: _PUSH_ACCESS,
    ErrorCode.APP_PERMISSION_MISSING: (
        "The GitHub App lacks Administration: read: edit the App's permissions on GitHub, then accept them in "
        "the organisation's settings → GitHub Apps."
    ),
    ErrorCode.APP_SUSPENDED: (
        "An organisation owner suspended the GitHub App: unsuspend it in the organisation's settings → "
        "GitHub Apps → Configure."
    ),
    ErrorCode.APP_UNINSTALLED: "The GitHub App was uninstalled: connect it again in Settings → GitHub credential.",
    ErrorCode.ACCESS_DENIED: "GitHub refused access: check the token's permissions for this repository.",
    ErrorCode.NOT_FOUND: _NOT_VISIBLE,
    ErrorCode.RATE_LIMITED: "GitHub's rate limit was reached: the next run continues where this one stopped.",
    ErrorCode.SERVER_ERROR: "GitHub had a server error: the next run retries; nothing stored is lost.",
    ErrorCode.TIMEOUT: "GitHub did not answer in time: the next run retries; nothing stored is lost.",
    ErrorCode.UNREACHABLE: "GitHub could not be reached: check the server's network and GITHUB_API_URL.",
    ErrorCode.ADDRESS_REFUSED: "The GitHub API URL of this tenant leads to a private or local address, which is "
                               "never contacted: fix the URL in Settings → GitHub credential.",
    ErrorCode.REPOSITORY_REPLACED: "The name now belongs to a different repository: remove it and follow the new one "
                                   "if that is intended.",
    ErrorCode.RENAME_CONFLICT: "GitHub renamed it to a repository this tenant already follows: remove one of the two.",
    ErrorCode.NOT_REACHED: "The run ended before this repository's turn: the next run collects it first.",
    ErrorCode.ABANDONED: "The worker stopped mid-run: the next run collects it; check that a worker is running.",
}


def repository_fix_hint(repository: Repository) -> str:
    """A one-line fix for the repository's last failed collection (keyed on its error code), or ""."""
    if not repository.last_error:
        return ""
    return FIX_HINTS.get(repository.last_error_code, _RETRY)
