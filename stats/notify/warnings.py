"""Warnings before data is lost: a token about to expire (GitHub's expiry header, 14 and 3 days ahead) or
expired or rejected, a suspended or revoked GitHub App installation, repositories the credential lost access to.

Read by the dashboard banner (admins), `check_collection` and the warning e-mails (stats.notify.services).
Each warning carries a `key` that changes when the situation does (another token, another expiry date,
another set of repositories), so an e-mail is sent once per key.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from repos.github import ErrorCode
from repos.models import Repository
from tenants.models import GitHubAppInstallation, GitHubCredential, Tenant

# Days before a token's expiry at which admins are warned, the later threshold being the more urgent.
EXPIRY_THRESHOLDS = (14, 3)
# A repository that answered this in its last collection is no longer readable with the credential.
LOST_ACCESS_CODES = (ErrorCode.NO_PUSH_ACCESS, ErrorCode.NOT_FOUND, ErrorCode.APP_PERMISSION_MISSING)
# The installation went away (or the token was removed) after collection had worked.
CREDENTIAL_GONE_CODES = (ErrorCode.APP_UNINSTALLED, ErrorCode.NO_CREDENTIAL)
FIX_TOKEN = (
    "create a new token on GitHub (fine-grained: Administration read-only on the repositories) and save it in "
    "Settings → GitHub credential, or connect the GitHub App, which needs no renewal"
)
WARNED_CODES = (*LOST_ACCESS_CODES, *CREDENTIAL_GONE_CODES, ErrorCode.BAD_CREDENTIAL)
SHOWN_REPOSITORIES = 10


@dataclass(frozen=True)
class CredentialWarning:
    kind: str
    # "error": collection has stopped or is about to; "warning": time to act.
    level: str
    message: str
    fix: str
    key: str
    repositories: tuple[str, ...] = field(default=())

    @property
    def subject(self) -> str:
        return self.message.split(":", 1)[0]


def _days_left(expires_at: datetime, now: datetime) -> int:
    return math.ceil((expires_at - now) / timedelta(days=1))


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%d%H%M}"


def _token_warnings(credential: GitHubCredential, now: datetime, rejected: bool) -> list[CredentialWarning]:
    token = f"token …{credential.token_last4}"
    if rejected:
        return [CredentialWarning(
            "token_rejected", "error", f"GitHub rejects the {token}: it was revoked or has expired; nothing is "
            "collected until it is replaced", FIX_TOKEN,
            f"token_rejected:{credential.token_last4}:{_stamp(credential.updated)}",
        )]
    expires_at = credential.expires_at
    if expires_at is None:
        return []
    when = f"{expires_at:%d %b %Y %H:%M} UTC"
    if expires_at <= now:
        return [CredentialWarning(
            "token_expired", "error", f"The GitHub {token} expired on {when}: nothing is collected until it is "
            "replaced, and traffic older than 14 days is lost for good", FIX_TOKEN,
            f"token_expired:{credential.token_last4}:{_stamp(expires_at)}",
        )]
    days = _days_left(expires_at, now)
    due = [threshold for threshold in EXPIRY_THRESHOLDS if days <= threshold]
    if not due:
        return []
    threshold = min(due)
    in_days = "in 1 day" if days == 1 else f"in {days} days"
    return [CredentialWarning(
        "token_expiring", "error" if threshold <= min(EXPIRY_THRESHOLDS) else "warning",
        f"The GitHub {token} expires {in_days} ({when}): collection stops then", FIX_TOKEN,
        f"token_expiring:{threshold}:{credential.token_last4}:{_stamp(expires_at)}",
    )]


def _credential_of(tenant: Tenant) -> tuple[GitHubAppInstallation | None, GitHubCredential | None]:
    """The tenant's App installation, else its token, in one query (the tenant row joined to both)."""
    joined = Tenant.objects.select_related("github_app_installation", "github_credential").get(pk=tenant.pk)
    installation = getattr(joined, "github_app_installation", None)
    credential = getattr(joined, "github_credential", None) if installation is None else None
    return installation, credential


def _repository_names(repositories: list[Repository]) -> tuple[str, ...]:
    return tuple(repository.full_name for repository in repositories)


def tenant_warnings(*, tenant: Tenant, now: datetime | None = None) -> list[CredentialWarning]:
    """What the tenant's admins must act on before traffic is lost (2 queries: the dashboard shows it)."""
    now = now or timezone.now()
    # Only the repositories whose last collection failed for a reason named here.
    active = list(
        Repository.objects.filter(tenant=tenant, active=True, last_error_code__in=WARNED_CODES)
        .only("id", "owner", "name", "last_error_code", "last_success_at")
    )
    codes = {repository.last_error_code for repository in active}
    # Collection had worked, then lost its credential (a tenant that never had one is onboarding, not at loss).
    gone = any(r.last_error_code in CREDENTIAL_GONE_CODES and r.last_success_at is not None for r in active)
    warnings: list[CredentialWarning] = []
    installation, credential = _credential_of(tenant)
    if installation is not None and installation.suspended_at is not None:
        warnings.append(CredentialWarning(
            "app_suspended", "error", f"The GitHub App installation on {installation.account} is suspended: GitHub "
            "issues no tokens and nothing is collected",
            "unsuspend it in the organisation's settings on GitHub (Settings → GitHub Apps → Configure)",
            f"app_suspended:{installation.installation_id}:{_stamp(installation.suspended_at)}",
        ))
    elif credential is not None:
        warnings += _token_warnings(credential, now, rejected=ErrorCode.BAD_CREDENTIAL in codes)
    elif installation is None and gone:
        warnings.append(CredentialWarning(
            "credential_gone", "error", "The GitHub App installation was revoked or uninstalled, or the token "
            "removed: nothing is collected",
            "connect the GitHub App again or add a token in Settings → GitHub credential", "credential_gone",
        ))
    lost = sorted((r for r in active if r.last_error_code in LOST_ACCESS_CODES), key=lambda r: r.full_name.lower())
    if lost:
        names = _repository_names(lost)
        shown = ", ".join(names[:SHOWN_REPOSITORIES]) + (f" and {len(names) - SHOWN_REPOSITORIES} more"
                                                          if len(names) > SHOWN_REPOSITORIES else "")
        digest = hashlib.sha256(",".join(str(r.pk) for r in lost).encode()).hexdigest()[:16]
        plural = "repository" if len(lost) == 1 else "repositories"
        warnings.append(CredentialWarning(
            "lost_access", "warning", f"The GitHub credential lost access to {len(lost)} {plural}: {shown}",
            "grant the token (or the App installation) access to them again on GitHub, or stop following them",
            f"lost_access:{digest}", names,
        ))
    return warnings
