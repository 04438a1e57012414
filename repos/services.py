"""Writes for a tenant's repositories: add by name, import from GitHub, deactivate, remove."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from repos.clients import CredentialError, github_client_for_tenant
from repos.github import GitHubError
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


@transaction.atomic
def repositories_import(*, tenant: Tenant, repositories: Iterable[tuple[str, int | None]]) -> ImportResult:
    """Follow every (full_name, github_id) not followed yet; inactive ones are switched back on."""
    known = {repo.full_name.lower(): repo for repo in Repository.objects.filter(tenant=tenant)}
    added: list[str] = []
    reactivated: list[str] = []
    existing = 0
    for full_name, github_id in repositories:
        try:
            owner, name = parse_full_name(full_name)
        except RepositoryNameInvalid:
            continue
        current = known.get(f"{owner}/{name}".lower())
        if current is None:
            current = Repository.objects.create(tenant=tenant, owner=owner, name=name, github_id=github_id)
            known[current.full_name.lower()] = current
            added.append(current.full_name)
        elif not current.active:
            current.active = True
            current.save(update_fields=["active"])
            reactivated.append(current.full_name)
        else:
            existing += 1
    return ImportResult(added=added, existing=existing, reactivated=reactivated)


def repository_set_active(*, repository: Repository, active: bool) -> Repository:
    repository.active = active
    repository.save(update_fields=["active"])
    return repository


def repository_remove(*, repository: Repository) -> None:
    """Stop following and delete the stored history of the repository (no undo)."""
    repository.delete()


class ImportUnavailable(Exception):
    """The repository list cannot be fetched (no credential, GitHub error); the message says what to do."""


def github_repositories(*, tenant: Tenant, org: str | None = None) -> list[tuple[str, int | None]]:
    """(full_name, github_id) of every repository the tenant's token can access (or the org's), all pages."""
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
    return [(info.full_name, info.github_id) for info in found if repository_name_valid(info.owner, info.name)]
