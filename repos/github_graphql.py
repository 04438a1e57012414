"""Repository metadata for up to 100 repositories per GitHub GraphQL query (`nodes(ids: […])`).

GraphQL has a budget of its own (5,000 points an hour; such a query costs about one point, headers say
`x-ratelimit-resource: graphql`), so metadata fetched this way spends nothing of the REST budget the traffic
endpoints need. The client's session, credential and token refresh are reused; the GraphQL budget is tracked
apart (`GitHubClient.graphql_budget`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from repos.github import GitHubBadResponse, GitHubClient, GitHubError, GitHubRateLimited, GitHubUnavailable
from repos.github import _epoch_to_datetime as epoch_to_datetime
from repos.github_budget import int_header

MAX_NODE_IDS = 100
METADATA_QUERY = """query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Repository {
      id databaseId nameWithOwner stargazerCount forkCount diskUsage
      watchers { totalCount } issues(states: OPEN) { totalCount } pullRequests(states: OPEN) { totalCount }
    }
  }
}"""


@dataclass(frozen=True)
class NodeMetadata:
    node_id: str
    github_id: int | None
    full_name: str
    stars: int
    forks: int
    watchers: int
    open_issues: int  # issues and pull requests, as REST's open_issues_count
    size_kb: int

    def as_rest_body(self) -> dict[str, Any]:
        """The fields of REST's repository body the store reads."""
        return {"id": self.github_id, "node_id": self.node_id, "full_name": self.full_name,
                "stargazers_count": self.stars, "forks_count": self.forks, "subscribers_count": self.watchers,
                "open_issues_count": self.open_issues, "size": self.size_kb}


def graphql_url(base_url: str) -> str:
    """api.github.com/graphql; GitHub Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql."""
    base = base_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("v3")] + "graphql"
    return f"{base}/graphql"


@sensitive_variables()
def repositories_metadata(client: GitHubClient, node_ids: Sequence[str]) -> dict[str, NodeMetadata | None]:
    """Metadata of each node id (None: GitHub cannot resolve it: deleted, or not visible to the credential).

    Raises GitHubRateLimited when the GraphQL budget is spent, GitHubError for any other failure of the query.
    """
    ids = list(dict.fromkeys(node_ids))
    if not ids:
        return {}
    if len(ids) > MAX_NODE_IDS:
        raise ValueError(f"at most {MAX_NODE_IDS} node ids per query")
    budget = client.graphql_budget
    until = budget.exhausted_until(client.clock())
    if until is not None:
        raise GitHubRateLimited(epoch_to_datetime(until))
    payload = json.dumps({"query": METADATA_QUERY, "variables": {"ids": ids}})
    response = _post(client, payload)
    if response.status_code == 401 and client._refreshable:
        client._authorization(refresh=True)  # an installation token that expired mid-run
        response = _post(client, payload)
    budget.observe(response.headers)
    body = _body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    rate_limited = response.status_code in (403, 429) or any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors or []
    )
    if rate_limited:
        reset = int_header(response.headers, "x-ratelimit-reset")
        until = float(reset) if reset is not None else client.clock() + 60
        budget.block(until)
        raise GitHubRateLimited(epoch_to_datetime(until))
    if response.status_code >= 500:
        raise GitHubUnavailable(f"GitHub answered {response.status_code} for GraphQL", status=response.status_code)
    if response.status_code != 200 or not isinstance(body, dict):
        raise GitHubBadResponse(f"GitHub answered {response.status_code} for GraphQL", status=response.status_code)
    nodes = (body.get("data") or {}).get("nodes") if isinstance(body.get("data"), dict) else None
    if not isinstance(nodes, list) or len(nodes) != len(ids):
        # A query-level error (no data): name GitHub's first message.
        first = errors[0].get("message", "") if errors and isinstance(errors[0], dict) else ""
        raise GitHubBadResponse(f"GitHub's GraphQL answer has no nodes: {str(first)[:200]}")
    return {node_id: _node(node) for node_id, node in zip(ids, nodes, strict=True)}


def _post(client: GitHubClient, payload: str) -> requests.Response:
    headers = {**client._authorization(), "Content-Type": "application/json"}
    try:
        return client.session.post(graphql_url(client.base_url), data=payload, headers=headers,
                                   timeout=client.timeout)
    except requests.RequestException as exc:
        raise GitHubUnavailable(f"GitHub unreachable for GraphQL: {type(exc).__name__}") from None


def _body(response: requests.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise GitHubBadResponse("GitHub sent invalid JSON for GraphQL", status=response.status_code) from None


def _count(node: dict[str, Any], key: str) -> int:
    value = node.get(key)
    if isinstance(value, dict):
        value = value.get("totalCount")
    return max(int(value or 0), 0)


def _node(node: Any) -> NodeMetadata | None:
    if not isinstance(node, dict) or not isinstance(node.get("nameWithOwner"), str):
        return None
    try:
        return NodeMetadata(
            node_id=str(node.get("id", "")),
            github_id=int(node["databaseId"]) if node.get("databaseId") is not None else None,
            full_name=node["nameWithOwner"],
            stars=_count(node, "stargazerCount"),
            forks=_count(node, "forkCount"),
            watchers=_count(node, "watchers"),
            open_issues=_count(node, "issues") + _count(node, "pullRequests"),
            size_kb=_count(node, "diskUsage"),
        )
    except (TypeError, ValueError):
        raise GitHubError("GitHub sent an unexpected GraphQL node") from None
