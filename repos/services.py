"""Writes for a tenant's repositories: add by name, import from GitHub, deactivate, remove."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from repos.clients import CredentialError, github_client_for_tenant
from repos.follow_filters import FilterDecision, follow_filter_allows, follow_filter_of, skipped_summary
from repos.github import GitHubError, RepoInfo
from repos.models import InstallationRepository, Repository
from tenants.models import Tenant
from tenants.selectors import github_app_installation_of

# GitHub's rules: owner 1-39 alphanumerics or single hyphens; name 1-100 of [A-Za-z0-9._-], not "." or "..".
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class RepositoryNameInvalid(ValueError):
    """Not an `owner/name` GitHub could have."""


class RepositoryExists(Exception):
    """The tenant already follows this repository (names compare case-insensitively)."""


def repository_name_valid(owner: str, name: str) -> bool:
    """Whether (owner, name) is spelled the way GitHub allows (and so can be routed as /<owner>/<name>/)."""
    return bool(_OWNER.fullmatch(owner) and _NAME.fullmatch(name)) and name not in {".", ".."}


def split_full_name(full_name: str) -> tuple[str, str]:
    """Exactly `owner/name` as GitHub spells one (a name GitHub sent us) → (owner, name), or RepositoryNameInvalid."""
    owner, _, name = full_name.partition("/")
    if not repository_name_valid(owner, name):
        raise RepositoryNameInvalid(f"{full_name[:300]!r} is not a GitHub repository name like owner/name")
    return owner, name


def parse_full_name(full_name: str) -> tuple[str, str]:
    """`owner/name` (also accepts a github.com URL) → (owner, name), or RepositoryNameInvalid."""
    text = (full_name or "").strip()
    text = re.sub(r"^(https?://)?(www\.)?github\.com/", "", text).removesuffix(".git").strip("/")
    owner, slash, name = text.partition("/")
    if not slash or not repository_name_valid(owner, name):
        raise RepositoryNameInvalid(f"{full_name[:300]!r} is not a GitHub repository name like owner/name")
    return owner, name


def repository_add(*, tenant: Tenant, full_name: str, github_id: int | None = None) -> Repository:
    owner, name = parse_full_name(full_name)
    if Repository.objects.filter(tenant=tenant, owner__iexact=owner, name__iexact=name).exists():
        raise RepositoryExists(f"{owner}/{name} is already followed")
    if github_id is None:
        # Offered by the tenant's GitHub App installation: its id is known already.
        offered = InstallationRepository.objects.filter(tenant=tenant, owner__iexact=owner, name__iexact=name).first()
        github_id = offered.github_id if offered is not None else None
    try:
        with transaction.atomic():
            return Repository.objects.create(tenant=tenant, owner=owner, name=name, github_id=github_id)
    except IntegrityError:
        # Lost a race with a concurrent add of the same name.
        raise RepositoryExists(f"{owner}/{name} is already followed") from None


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    existing: int
    reactivated: list[str]
    # Left out by the tenant's follow filter (repos.follow_filters), with why.
    skipped: list[tuple[str, FilterDecision]] = field(default_factory=list)

    @property
    def skipped_summary(self) -> str:
        return skipped_summary(self.skipped)


def _as_info(entry: RepoInfo | tuple[str, int | None]) -> RepoInfo | None:
    if isinstance(entry, RepoInfo):
        full_name, github_id = entry.full_name, entry.github_id
    else:
        full_name, github_id = entry
    try:
        owner, name = parse_full_name(full_name)
    except RepositoryNameInvalid:
        return None
    if isinstance(entry, RepoInfo):
        return RepoInfo(github_id=github_id, owner=owner, name=name, private=entry.private,
                        archived=entry.archived, fork=entry.fork)
    return RepoInfo(github_id=github_id or 0, owner=owner, name=name)


@transaction.atomic
def repositories_import(
    *, tenant: Tenant, repositories: Iterable[RepoInfo | tuple[str, int | None]]
) -> ImportResult:
    """Follow every repository GitHub listed and the tenant's follow filter allows, not followed yet;
    inactive ones are switched back on. Already followed ones are left as they are, whatever the filter."""
    known = {repo.full_name.lower(): repo for repo in Repository.objects.filter(tenant=tenant)}
    follow_filter = follow_filter_of(tenant=tenant)
    added: list[str] = []
    reactivated: list[str] = []
    skipped: list[tuple[str, FilterDecision]] = []
    existing = 0
    for entry in repositories:
        info = _as_info(entry)
        if info is None:
            continue
        owner, name, github_id = info.owner, info.name, info.github_id or None
        current = known.get(f"{owner}/{name}".lower())
        if current is not None and current.active:
            existing += 1
            continue
        decision = follow_filter_allows(follow_filter, info)
        if not decision.allowed:
            skipped.append((info.full_name, decision))
            continue
        if current is None:
            current = Repository.objects.create(tenant=tenant, owner=owner, name=name, github_id=github_id)
            known[current.full_name.lower()] = current
            added.append(current.full_name)
        else:
            current.active = True
            current.save(update_fields=["active"])
            reactivated.append(current.full_name)
    return ImportResult(added=added, existing=existing, reactivated=reactivated, skipped=skipped)


def repository_set_active(*, repository: Repository, active: bool) -> Repository:
    repository.active = active
    repository.save(update_fields=["active"])
    return repository


def repository_remove(*, repository: Repository) -> None:
    """Stop following and delete the stored history of the repository (no undo)."""
    repository.delete()


class ImportUnavailable(Exception):
    """The repository list cannot be fetched (no credential, GitHub error); the message says what to do."""


def github_repositories(*, tenant: Tenant, org: str | None = None) -> list[RepoInfo]:
    """Every repository the tenant's token can access (or the org's), all pages, with GitHub's
    fork/archived/private flags (the follow filter reads them)."""
    try:
        with github_client_for_tenant(tenant=tenant) as client:
            if github_app_installation_of(tenant=tenant) is not None:
                # An installation token sees exactly the repositories granted to the App.
                found = client.list_installation_repositories()
                found = [info for info in found if org is None or info.owner.lower() == org.lower()]
            else:
                found = client.list_repositories(org=org)
    except CredentialError as error:
        raise ImportUnavailable(f"{error}: add one in Settings → GitHub credential.") from None
    except GitHubError as error:
        raise ImportUnavailable(f"GitHub did not list the repositories: {error}") from None
    # Names come from GitHub, i.e. from outside: one that could not be routed is left out, not stored.
    return [info for info in found if repository_name_valid(info.owner, info.name)]
