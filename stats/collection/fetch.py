"""Fetching one repository from GitHub (worker threads: HTTP only, plain values, no database)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

from repos.github import (
    ApiResponse,
    ErrorCode,
    GitHubAccessError,
    GitHubBadResponse,
    GitHubClient,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
)
from repos.github_graphql import MAX_NODE_IDS, repositories_metadata
from repos.github_releases import releases_list
from repos.models import EndpointETag
from repos.services import RepositoryNameInvalid, split_full_name
from stats.collection.optional import OptionalFetch, OptionalTarget, optional_fetch
from stats.collection.planner import ALL_GROUPS, Group

logger = logging.getLogger(__name__)

# Endpoint keys (EndpointETag.endpoint) in the order they are requested for one repository.
EP_REPO = "repo"
EP_VIEWS_DAY, EP_CLONES_DAY = "views:day", "clones:day"
EP_VIEWS_WEEK, EP_CLONES_WEEK = "views:week", "clones:week"
EP_REFERRERS, EP_PATHS = "referrers", "paths"
EP_RELEASES = "releases"
# Snapshot endpoints only send If-None-Match when today's snapshot exists: a 304 must not leave a day empty.
SNAPSHOT_ENDPOINTS = (EP_REPO, EP_REFERRERS, EP_PATHS)


@dataclass
class RepoTarget:
    """What a fetch thread needs: plain values only, so threads never touch the database."""

    item_id: int
    repository_id: int
    full_name: str
    github_id: int | None
    etags: dict[str, EndpointETag]
    groups: tuple[Group, ...] = ALL_GROUPS
    optional: OptionalTarget | None = None  # the planned optional groups' progress and allowance
    node_id: str = ""
    # The repository body's fields from a batched GraphQL query (metadata_prefetch): no REST call for them.
    metadata: dict[str, Any] | None = None
    # GraphQL's budget is spent: metadata waits for a later run (nothing is lost) rather than spend REST budget.
    metadata_deferred: bool = False


@dataclass
class RepoFetch:
    target: RepoTarget
    today: date
    full_name: str
    github_id: int | None = None
    node_id: str = ""
    responses: dict[str, ApiResponse] = field(default_factory=dict)
    error: GitHubError | None = None
    requests: int = 0
    not_modified: int = 0
    optional: OptionalFetch = field(default_factory=OptionalFetch)


def metadata_prefetch(*, client: GitHubClient, targets: list[RepoTarget]) -> int:
    """Metadata of every target that has a node id, up to 100 per GraphQL query (its own budget); returns the
    queries sent. A target GraphQL does not answer for (unknown id, another repository or name now, a failed
    query) keeps its per-repository REST call; with GraphQL's budget spent, metadata waits."""
    wanted = [t for t in targets if Group.METADATA in t.groups and t.node_id and t.metadata is None]
    queries = 0
    for start in range(0, len(wanted), MAX_NODE_IDS):
        batch = wanted[start : start + MAX_NODE_IDS]
        queries += 1
        try:
            found = repositories_metadata(client, [t.node_id for t in batch])
        except GitHubRateLimited:
            for target in wanted[start:]:
                target.metadata_deferred = True
            break
        except Exception as exc:  # GitHubError, or a bug: either way the REST calls still work
            logger.warning("GraphQL metadata query failed (%s): REST for these %d repositories", exc, len(batch))
            continue
        for target in batch:
            node = found.get(target.node_id)
            # A rename, transfer or recreated repository is for the REST call to notice and handle.
            if (node is not None and node.full_name.lower() == target.full_name.lower()
                    and (target.github_id is None or node.github_id == target.github_id)):
                target.metadata = node.as_rest_body()
    return queries


def repository_fetch(*, client: GitHubClient, target: RepoTarget, today: date) -> RepoFetch:
    fetched = RepoFetch(target=target, today=today, full_name=target.full_name, github_id=target.github_id,
                        node_id=target.node_id)

    def etag_for(endpoint: str) -> str | None:
        stored = target.etags.get(endpoint)
        if stored is None:
            return None
        if endpoint in SNAPSHOT_ENDPOINTS and stored.fetched_at.astimezone(UTC).date() != today:
            return None
        return stored.etag

    def call(endpoint: str, request: Callable[[], ApiResponse]) -> ApiResponse:
        before = client.attempts()
        try:
            response = request()
        finally:
            fetched.requests += client.attempts() - before
        if response.not_modified:
            fetched.not_modified += 1
        fetched.responses[endpoint] = response
        return response

    groups = target.groups
    try:
        info = None
        if Group.METADATA in groups and target.metadata is not None:
            info = fetched.responses[EP_REPO] = ApiResponse(status=200, data=target.metadata, etag="")
        elif Group.METADATA in groups and not target.metadata_deferred:
            info = call(EP_REPO, lambda: client.repository(fetched.full_name, etag=etag_for(EP_REPO)))
        if info is not None and info.status == 200:
            github_id = int(info.data["id"])
            if target.github_id is not None and github_id != target.github_id:
                fetched.responses.pop(EP_REPO)
                raise GitHubBadResponse(
                    f"{target.full_name} now names a different repository (GitHub id {github_id}, "
                    f"expected {target.github_id}); it was probably deleted and recreated",
                    code=ErrorCode.REPOSITORY_REPLACED,
                )
            reported = str(info.data["full_name"])
            try:
                # A rename (301) or the body itself: a name from GitHub is input like any other.
                split_full_name(reported)
            except RepositoryNameInvalid:
                fetched.responses.pop(EP_REPO)
                raise GitHubBadResponse(
                    f"GitHub names {target.full_name} {reported[:200]!r}, which is not a valid owner/name; "
                    "nothing was stored"
                ) from None
            fetched.github_id = github_id
            fetched.full_name = reported
            fetched.node_id = str(info.data.get("node_id") or fetched.node_id)[:100]
        name = fetched.full_name
        for group, endpoint, kind, per in (
            (Group.DAY_SERIES, EP_VIEWS_DAY, "views", "day"),
            (Group.DAY_SERIES, EP_CLONES_DAY, "clones", "day"),
            (Group.WEEK_SERIES, EP_VIEWS_WEEK, "views", "week"),
            (Group.WEEK_SERIES, EP_CLONES_WEEK, "clones", "week"),
        ):
            if group in groups:
                call(endpoint, lambda k=kind, p=per, e=endpoint: client.traffic(name, k, per=p, etag=etag_for(e)))
        if Group.POPULAR in groups:
            for endpoint in (EP_REFERRERS, EP_PATHS):
                call(endpoint, lambda e=endpoint: client.popular(name, e, etag=etag_for(e)))
        if Group.RELEASES in groups:
            _releases_fetch(fetched, lambda: call(EP_RELEASES, lambda: releases_list(client, name)))
        before = client.attempts()
        try:
            fetched.optional = optional_fetch(client=client, target=target.optional, full_name=name)
        finally:
            fetched.requests += client.attempts() - before
    except GitHubError as exc:
        fetched.error = exc
    except Exception as exc:  # a bug must fail one repository, not the run
        logger.exception("unexpected error collecting %s", target.full_name)
        fetched.error = GitHubError(f"unexpected error: {type(exc).__name__}")
    return fetched


def _releases_fetch(fetched: RepoFetch, request: Callable[[], ApiResponse]) -> None:
    """Optional work must not fail a repository whose traffic was fetched: a credential that may read
    traffic but not releases (an App without "Contents: read") gets a 403 here, kept as a refusal
    (no release stored; fetched for the planner's cadence, so it is not asked again within the day)."""
    try:
        request()
    except (GitHubAccessError, GitHubNotFound) as exc:
        logger.info("releases of %s not readable: %s", fetched.full_name, exc)
        fetched.responses[EP_RELEASES] = ApiResponse(status=exc.status or 403, data=None, etag="")
