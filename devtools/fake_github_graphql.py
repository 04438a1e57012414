"""The fake GitHub's `POST /graphql`: repository metadata by node id, as GitHub answers it.

Only the query ghtraffic sends is understood — `nodes(ids: $ids) { ... on Repository { … } }` with the ids in
`variables.ids` — and answered with the fields it names (id, databaseId, nameWithOwner, stargazerCount, forkCount,
watchers/issues/pullRequests totalCount, diskUsage), from the same numbers as the REST repository body. As on
GitHub: at most 100 ids; an id nobody can see is a `null` node plus a NOT_FOUND entry in `errors`; every query
costs one point of the token's own GraphQL budget (`x-ratelimit-resource: graphql`), and an empty budget answers
RATE_LIMITED. Faults: `gh.graphql_faults.append(Fault("error500", times=1))` (also "malformed").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devtools.fake_github_types import DOC_URL, FakeRequest

if TYPE_CHECKING:
    from devtools.fake_github_http import GitHubHandler

MAX_NODE_IDS = 100
FIELDS = ("id", "databaseId", "nameWithOwner", "stargazerCount", "forkCount", "watchers", "issues", "pullRequests",
          "diskUsage")


def handle_graphql_request(handler: GitHubHandler, body: bytes) -> None:
    gh = handler.github
    token = handler._bearer()
    installation = None
    if gh.app is not None and token.startswith("ghs_"):
        installation = gh.app.installation_for_token(token)
        budget_key = gh.app.budget_key(installation.installation_id) if installation is not None else ""
    else:
        budget_key = token
    if not budget_key or (installation is None and gh.tokens is not None and token not in gh.tokens):
        _send(handler, 401, {"message": "This endpoint requires you to be authenticated.",
                             "documentation_url": DOC_URL}, None)
        return
    budget, refused = gh.spend(budget_key, False, resource="graphql")
    headers = {
        "x-ratelimit-limit": str(budget.limit),
        "x-ratelimit-remaining": str(budget.remaining),
        "x-ratelimit-used": str(budget.limit - budget.remaining),
        "x-ratelimit-reset": str(budget.reset),
        "x-ratelimit-resource": "graphql",
    }
    if refused:
        _send(handler, 200, {"errors": [{"type": "RATE_LIMITED",
                                         "message": "API rate limit exceeded for user ID 1."}]}, headers)
        return
    fault = _take_fault(handler)
    if fault == "error500":
        _send(handler, 502, {"message": "Server Error"}, headers)
        return
    try:
        request = json.loads(body)
        query = str(request["query"])
        ids = (request.get("variables") or {}).get("ids")
    except (ValueError, KeyError, TypeError):
        _send(handler, 400, {"message": "Problems parsing JSON", "documentation_url": DOC_URL}, headers)
        return
    if "nodes(ids:" not in query.replace(" ", "") or not isinstance(ids, list):
        _send(handler, 200, {"errors": [{"message": "the fake GitHub only answers nodes(ids: $ids) queries"}]},
              headers)
        return
    if len(ids) > MAX_NODE_IDS:
        _send(handler, 200, {"data": None, "errors": [{
            "type": "EXCESSIVE_PAGINATION",
            "message": f"You may not provide more than {MAX_NODE_IDS} node ids; you provided {len(ids)}.",
        }]}, headers)
        return
    wanted = [name for name in FIELDS if name in query]
    nodes: list[dict[str, Any] | None] = []
    errors: list[dict[str, Any]] = []
    for position, node_id in enumerate(ids):
        repo = _repo_by_node_id(handler, str(node_id))
        if repo is None or (installation is not None and not installation.has(repo.full_name)):
            nodes.append(None)
            errors.append({
                "type": "NOT_FOUND", "path": ["nodes", position], "locations": [{"line": 2, "column": 3}],
                "message": f"Could not resolve to a node with the global id of '{node_id}'",
            })
            continue
        rest = gh.repo_body(repo)
        values: dict[str, Any] = {
            "id": rest["node_id"], "databaseId": rest["id"], "nameWithOwner": rest["full_name"],
            "stargazerCount": rest["stargazers_count"], "forkCount": rest["forks_count"],
            "watchers": {"totalCount": rest["subscribers_count"]},
            # REST's open_issues_count counts open pull requests too; the fake has none.
            "issues": {"totalCount": rest["open_issues_count"]}, "pullRequests": {"totalCount": 0},
            "diskUsage": rest["size"],
        }
        nodes.append({name: values[name] for name in wanted})
    answer: dict[str, Any] = {"data": {"nodes": nodes}}
    if errors:
        answer["errors"] = errors
    if fault == "malformed":
        _send_raw(handler, 200, json.dumps(answer).encode()[:20], headers)
        return
    _send(handler, 200, answer, headers)


def _take_fault(handler: GitHubHandler) -> str | None:
    gh = handler.github
    with gh._lock:
        for fault in gh.graphql_faults:
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    gh.graphql_faults.remove(fault)
            return fault.kind
    return None


def _repo_by_node_id(handler: GitHubHandler, node_id: str) -> Any:
    if not node_id.startswith("R_") or not node_id[2:].isdigit():
        return None
    github_id = int(node_id[2:])
    return next((r for r in handler.github.repos.values() if r.github_id == github_id), None)


def _send(handler: GitHubHandler, status: int, body: Any, headers: dict[str, str] | None) -> None:
    _send_raw(handler, status, json.dumps(body).encode(), headers or {})


def _send_raw(handler: GitHubHandler, status: int, payload: bytes, headers: dict[str, str]) -> None:
    handler.github.log(FakeRequest("POST", "/graphql", "", dict(handler.headers.items()), status))
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)
    handler.wfile.flush()
