"""GitHub App installations of tenants: linking one, following its repositories, and keeping in step
with what GitHub announces (App webhooks). Removed repositories are deactivated, never deleted: their
history stays."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from repos.clients import CredentialError, github_client_for_tenant, installation_revoked_message
from repos.follow_filters import (
    FilterDecision,
    follow_filter_allows,
    follow_filter_needs_flags,
    follow_filter_of,
)
from repos.github import GitHubError, RepoInfo
from repos.github_app import (
    MSG_NOT_CONFIGURED,
    GitHubAppError,
    InstallationGone,
    app_configured,
    installation_get,
    installation_tokens,
)
from repos.models import GitHubDelivery, InstallationRepository, Repository
from tenants.app_installations import (
    InstallationTaken,
    github_app_installation_set,
    github_app_installation_suspend,
    github_app_installation_unlink,
)
from tenants.models import GitHubAppInstallation, Tenant
from tenants.scoping import system_scope
from tenants.selectors import github_app_installation_by_id, github_app_installation_of

logger = logging.getLogger(__name__)


class InstallationLinkError(Exception):
    """The installation cannot be linked; the message says why and what to do."""


class InstallationSyncError(Exception):
    """GitHub did not list the installation's repositories; the message says why."""


class WebhookPayloadError(ValueError):
    """A signed delivery whose payload lacks what its event must carry."""


@dataclass
class SyncResult:
    followed: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    # Not followed because of the tenant's follow filter (they stay offered on the repositories page).
    skipped: list[tuple[str, FilterDecision]] = field(default_factory=list)
    offered: int = 0


@dataclass(frozen=True)
class LinkResult:
    installation: GitHubAppInstallation
    sync: SyncResult | None
    sync_error: str = ""


def installation_link(
    *, tenant: Tenant, installation_id: int, follow_all: bool, linked_by: AbstractBaseUser | None = None
) -> LinkResult:
    """Link an installation GitHub confirms exists (checked with the App's JWT), then sync its repositories."""
    if not app_configured():
        raise InstallationLinkError(MSG_NOT_CONFIGURED)
    try:
        info = installation_get(installation_id=installation_id)
    except InstallationGone:
        raise InstallationLinkError(
            f"GitHub App installation {installation_id} does not exist (or belongs to another App): install the App "
            "on your organisation first; the id is the number at the end of the installation's settings URL"
        ) from None
    except GitHubAppError as exc:
        raise InstallationLinkError(str(exc)) from None
    try:
        installation = github_app_installation_set(
            tenant=tenant, installation_id=info.installation_id, account=info.account, follow_all=follow_all,
            linked_by=linked_by,
        )
    except (InstallationTaken, IntegrityError):
        raise InstallationLinkError(
            f"GitHub App installation {installation_id} is already linked to another tenant"
        ) from None
    if info.suspended:
        github_app_installation_suspend(installation=installation, suspended=True)
        return LinkResult(installation=installation, sync=None, sync_error="the installation is suspended")
    try:
        result = installation_repositories_sync(tenant=tenant)
    except InstallationSyncError as exc:
        return LinkResult(installation=installation, sync=None, sync_error=str(exc))
    return LinkResult(installation=installation, sync=result)


def installation_repositories_sync(*, tenant: Tenant) -> SyncResult:
    """Fetch every repository of the tenant's installation (all pages) and apply the complete list."""
    installation = github_app_installation_of(tenant=tenant)
    if installation is None:
        raise InstallationSyncError("no GitHub App installation is linked to this tenant")
    try:
        with github_client_for_tenant(tenant=tenant) as client:
            found = client.list_installation_repositories()
    except (CredentialError, GitHubError) as exc:
        raise InstallationSyncError(f"GitHub did not list the installation's repositories: {exc}") from None
    return _repositories_apply(installation=installation, granted=found, complete=True)


@transaction.atomic
def _repositories_apply(
    *, installation: GitHubAppInstallation, granted: Iterable[RepoInfo], removed: Iterable[int] = (),
    complete: bool = False, flags_known: bool = True,
) -> SyncResult:
    """Record what the installation was granted (`complete`: this is all of it) and follow, rename or
    deactivate the tenant's repositories to match. New follows pass the tenant's follow filter;
    `flags_known` False: `granted` lacks fork/archived (a webhook payload that could not be completed)."""
    tenant = installation.tenant
    granted = list(granted)
    known = {row.github_id: row for row in InstallationRepository.objects.filter(tenant=tenant)}
    follow_filter = follow_filter_of(tenant=tenant) if installation.follow_all else None
    unchecked = not flags_known and follow_filter_needs_flags(follow_filter)
    removed_ids = set(removed)
    if complete:
        removed_ids |= set(known) - {info.github_id for info in granted}
    result = SyncResult()
    for info in granted:
        _offered_record(tenant=tenant, row=known.get(info.github_id), info=info, flags_known=flags_known)
        repository = _repository_rename(tenant=tenant, info=info, result=result)
        if not installation.follow_all:
            continue
        if repository is None or (not repository.active and info.github_id not in known):
            decision = (
                FilterDecision(False, "unchecked") if unchecked else follow_filter_allows(follow_filter, info)
            )
            if not decision.allowed:
                result.skipped.append((info.full_name, decision))
                continue
        if repository is None:
            repository = _follow(tenant=tenant, info=info)
            if repository is not None:
                result.followed.append(repository.full_name)
        elif not repository.active and info.github_id not in known:
            # Back in the installation after it had been removed (a paused repository stays paused).
            repository.active = True
            repository.save(update_fields=["active"])
            result.followed.append(repository.full_name)
    for github_id in removed_ids:
        InstallationRepository.objects.filter(tenant=tenant, github_id=github_id).delete()
        for repository in Repository.objects.filter(tenant=tenant, github_id=github_id, active=True):
            repository.active = False
            repository.save(update_fields=["active"])
            result.deactivated.append(repository.full_name)
    result.offered = _offered_count(tenant=tenant)
    return result


def _offered_record(
    *, tenant: Tenant, row: InstallationRepository | None, info: RepoInfo, flags_known: bool
) -> None:
    flags = {"private": info.private, **({"fork": info.fork, "archived": info.archived} if flags_known else {})}
    if row is None:
        InstallationRepository.objects.create(
            tenant=tenant, github_id=info.github_id, owner=info.owner, name=info.name, **flags
        )
        return
    values = {"owner": info.owner, "name": info.name, **flags}
    if any(getattr(row, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        row.save(update_fields=list(values))


def _repository_rename(*, tenant: Tenant, info: RepoInfo, result: SyncResult) -> Repository | None:
    """The followed repository with this GitHub id (or, without one yet, this name), renamed to GitHub's
    current name when it moved."""
    repository = Repository.objects.filter(tenant=tenant, github_id=info.github_id).first()
    if repository is None:
        repository = Repository.objects.filter(
            tenant=tenant, github_id__isnull=True, owner__iexact=info.owner, name__iexact=info.name
        ).first()
        if repository is not None:
            repository.github_id = info.github_id
            repository.save(update_fields=["github_id"])
        return repository
    if (repository.owner, repository.name) == (info.owner, info.name):
        return repository
    clash = Repository.objects.filter(tenant=tenant, owner__iexact=info.owner, name__iexact=info.name)
    if clash.exclude(pk=repository.pk).exists():
        logger.warning("cannot rename %s to %s in tenant %s: the name is taken", repository, info.full_name,
                       tenant.slug)
        return repository
    old = repository.full_name
    repository.owner, repository.name = info.owner, info.name
    repository.save(update_fields=["owner", "name"])
    result.renamed.append(f"{old} → {repository.full_name}")
    return repository


def _follow(*, tenant: Tenant, info: RepoInfo) -> Repository | None:
    try:
        with transaction.atomic():
            return Repository.objects.create(tenant=tenant, owner=info.owner, name=info.name, github_id=info.github_id,
                                             node_id=info.node_id)
    except IntegrityError:
        return None  # followed under this name concurrently


def _offered_count(*, tenant: Tenant) -> int:
    followed = Repository.objects.filter(tenant=tenant, github_id__isnull=False).values("github_id")
    return InstallationRepository.objects.filter(tenant=tenant).exclude(github_id__in=followed).count()


# --- App webhook events -------------------------------------------------------------------------
def _repo_info(entry: Any) -> RepoInfo:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
        raise WebhookPayloadError("a repository without an id")
    full_name = entry.get("full_name")
    if not isinstance(full_name, str) or full_name.count("/") != 1:
        owner = (entry.get("owner") or {}).get("login") if isinstance(entry.get("owner"), dict) else None
        full_name = f"{owner}/{entry.get('name')}"
    owner, name = full_name.split("/", 1)
    if not owner or not name or owner == "None" or name == "None":
        raise WebhookPayloadError("a repository without a name")
    return RepoInfo(
        github_id=entry["id"], owner=owner, name=name, archived=bool(entry.get("archived", False)),
        private=bool(entry.get("private", False)), fork=bool(entry.get("fork", False)),
        node_id=str(entry.get("node_id") or "")[:100],
    )


def _with_flags(*, installation: GitHubAppInstallation, added: list[RepoInfo]) -> tuple[list[RepoInfo], bool]:
    """installation_repositories payloads carry `private` but not `fork`/`archived`: when the follow
    filter needs them, take them from the installation's listing (one paginated request).
    Returns the repositories and whether their flags are known."""
    if not added:
        return added, True
    if not follow_filter_needs_flags(follow_filter_of(tenant=installation.tenant)):
        return added, False
    try:
        with github_client_for_tenant(tenant=installation.tenant) as client:
            listed = {info.github_id: info for info in client.list_installation_repositories()}
    except (CredentialError, GitHubError) as exc:
        logger.warning("could not list installation %s to check fork/archived: %s", installation.installation_id, exc)
        return added, False
    if any(info.github_id not in listed for info in added):
        return added, False
    return [
        RepoInfo(github_id=info.github_id, owner=info.owner, name=info.name, private=listed[info.github_id].private,
                 archived=listed[info.github_id].archived, fork=listed[info.github_id].fork,
                 node_id=info.node_id or listed[info.github_id].node_id)
        for info in added
    ], True


def _repo_list(payload: dict[str, Any], key: str) -> list[RepoInfo]:
    entries = payload.get(key) or []
    if not isinstance(entries, list):
        raise WebhookPayloadError(f"{key} is not a list")
    return [_repo_info(entry) for entry in entries]


def installation_event_handle(*, event: str, payload: dict[str, Any]) -> str:
    """Apply one App webhook event; returns what was done, for the delivery's answer and the log."""
    installation_data = payload.get("installation")
    installation_id = installation_data.get("id") if isinstance(installation_data, dict) else None
    if not isinstance(installation_id, int):
        return "no installation in the payload: ignored"
    installation = github_app_installation_by_id(installation_id=installation_id)
    if installation is None:
        return "installation not linked to a tenant: ignored"
    action = payload.get("action")
    if event == "installation":
        if action == "deleted":
            installation_tokens.forget(installation.installation_id)
            github_app_installation_unlink(
                installation=installation, warning=installation_revoked_message(account=installation.account)
            )
            return "installation unlinked"
        if action in ("suspend", "unsuspend"):
            github_app_installation_suspend(installation=installation, suspended=action == "suspend")
            return f"installation {action}ed"
        return f"installation {action}: nothing to do"
    if event == "installation_repositories":
        added, flags_known = _with_flags(installation=installation, added=_repo_list(payload, "repositories_added"))
        removed = [info.github_id for info in _repo_list(payload, "repositories_removed")]
        result = _repositories_apply(
            installation=installation, granted=added, removed=removed, flags_known=flags_known
        )
        return (
            f"followed {len(result.followed)}, deactivated {len(result.deactivated)}, "
            f"skipped {len(result.skipped)} by the follow filter, offered {result.offered}"
        )
    if event == "repository":
        info = _repo_info(payload.get("repository"))
        if action in ("renamed", "transferred", "unarchived"):
            result = _repositories_apply(installation=installation, granted=[info])
            return f"repository {action}: renamed {len(result.renamed)}, followed {len(result.followed)}"
        if action in ("deleted", "archived"):
            result = _repositories_apply(installation=installation, granted=[], removed=[info.github_id])
            return f"repository {action}: deactivated {len(result.deactivated)}"
        return f"repository {action}: nothing to do"
    return f"event {event}: nothing to do"


# Deliveries remembered for de-duplication: GitHub redelivers within hours, not days.
DELIVERY_MEMORY = timedelta(days=1)


@system_scope()  # scope: an App delivery names an installation; the tenant is found from it
@transaction.atomic
def installation_delivery_handle(
    *, delivery_id: str, event: str, payload: dict[str, Any], now: datetime | None = None
) -> str | None:
    """Handle one App webhook delivery once: None when this delivery id was already handled. The
    delivery is remembered only if handling succeeds (a failed one is redelivered and tried again)."""
    now = now or timezone.now()
    GitHubDelivery.objects.filter(received_at__lt=now - DELIVERY_MEMORY).delete()
    try:
        with transaction.atomic():
            GitHubDelivery.objects.create(delivery_id=delivery_id, received_at=now)
    except IntegrityError:
        return None
    return installation_event_handle(event=event, payload=payload)
