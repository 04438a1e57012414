"""The fake GitHub's HTTP side: routes, authentication, budgets, ETags and faults, answered from FakeGitHub's state."""

from __future__ import annotations

import hashlib
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from devtools import fake_github_stars
from devtools.fake_github_app import handle_app_request
from devtools.fake_github_graphql import handle_graphql_request
from devtools.fake_github_releases import serve_releases
from devtools.fake_github_types import DOC_URL, FakeRepo, FakeRequest

if TYPE_CHECKING:
    from devtools.fake_github import FakeGitHub


ROUTES = (
    (re.compile(r"^/repos/([^/]+)/([^/]+)$"), "repo"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/traffic/(views|clones)$"), "traffic"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/traffic/popular/(referrers|paths)$"), "popular"),
    (re.compile(r"^/repositories/(\d+)(/.*)?$"), "by_id"),
    (re.compile(r"^/user/repos$"), "user_repos"),
    (re.compile(r"^/orgs/([^/]+)/repos$"), "org_repos"),
    (re.compile(r"^/installation/repositories$"), "installation_repos"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/releases$"), "releases"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/stargazers$"), "stargazers"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/stargazers/count$"), "stargazers_count"),
    (re.compile(r"^/repos/([^/]+)/([^/]+)/actions/runs$"), "actions_runs"),
    (re.compile(r"^/rate_limit$"), "rate_limit"),
)


class GitHubHandler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment: no Nagle / delayed-ACK stalls of ~40 ms per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read FakeGitHub.requests instead

    def do_GET(self) -> None:
        gh = self.github
        gh.in_flight_change(+1)
        try:
            self._get()
        finally:
            gh.in_flight_change(-1)

    def do_POST(self) -> None:
        self._split = urlsplit(self.path)
        self._query = {}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self._split.path.rstrip("/") == "/graphql":
            handle_graphql_request(self, body)
            return
        handle_app_request(self, "POST", self._split.path.rstrip("/"), self._bearer())

    def _bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else ""

    def _get(self) -> None:
        gh = self.github
        # Latency models repository endpoints; the budget check a batch makes before fetching answers at once.
        if gh.latency and not self.path.startswith("/rate_limit"):
            gh.wait(gh.latency)
        split = urlsplit(self.path)
        self._split = split
        self._query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        token = self._bearer()
        path = split.path.rstrip("/") or "/"
        if path.startswith("/app/"):

            handle_app_request(self, "GET", path, token)
            return
        self._installation, self._budget_key = None, ""  # one handler serves a keep-alive connection
        if gh.app is not None and token.startswith("ghs_"):
            # An installation token: live, and it sees only the installation's repositories.
            self._installation = gh.app.installation_for_token(token)
            if self._installation is None:
                self._send(401, {"message": "Bad credentials", "documentation_url": DOC_URL}, token=None)
                return
            self._budget_key = gh.app.budget_key(self._installation.installation_id)
        elif not token or (gh.tokens is not None and token not in gh.tokens):
            self._send(401, {"message": "Bad credentials", "documentation_url": DOC_URL}, token=None)
            return
        self._token = token
        for pattern, route in ROUTES:
            match = pattern.match(path)
            if match:
                getattr(self, f"_route_{route}")(*match.groups())
                return
        self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})

    # --- routes ----------------------------------------------------------------------------------
    _route_stargazers = fake_github_stars.route_stargazers
    _route_stargazers_count = fake_github_stars.route_stargazers_count
    _route_actions_runs = fake_github_stars.route_actions_runs

    def _find(self, owner: str, name: str, rest: str) -> FakeRepo | None:
        gh = self.github
        key = f"{owner}/{name}".lower()
        repo = gh.repos.get(key)
        installation = getattr(self, "_installation", None)
        if repo is not None and installation is not None and not installation.has(repo.full_name):
            repo = None  # not granted to the App: GitHub answers 404
        if repo is None and key in gh.renamed:
            # GitHub's answer for a moved repository: 301 to the id-based URL of the same resource.
            location = f"{gh.url}/repositories/{gh.renamed[key]}{rest}"
            if self._split.query:
                location += f"?{self._split.query}"
            self._send(301, {"message": "Moved Permanently", "url": location, "documentation_url": DOC_URL},
                       extra={"Location": location})
            return None
        if repo is None:
            self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})
        return repo

    def _route_repo(self, owner: str, name: str) -> None:
        repo = self._find(owner, name, "")
        if repo is not None:
            self._serve(repo, "repo", lambda: self.github.repo_body(repo))

    def _route_traffic(self, owner: str, name: str, kind: str) -> None:
        repo = self._find(owner, name, f"/traffic/{kind}")
        if repo is None:
            return
        per = self._query.get("per", "day")
        if per not in ("day", "week"):
            self._send(422, {"message": "Validation Failed", "documentation_url": DOC_URL})
            return
        self._serve(repo, kind, lambda: self.github.traffic_body(repo, kind, per))

    def _route_popular(self, owner: str, name: str, kind: str) -> None:
        repo = self._find(owner, name, f"/traffic/popular/{kind}")
        if repo is not None:
            self._serve(repo, kind, lambda: self.github.popular_body(repo, kind))

    def _route_releases(self, owner: str, name: str) -> None:
        serve_releases(self, owner, name)

    def _route_by_id(self, github_id: str, rest: str | None) -> None:
        repo = next((r for r in self.github.repos.values() if r.github_id == int(github_id)), None)
        if repo is None:
            self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})
            return
        rest = rest or ""
        for pattern, route in ROUTES[:3]:
            match = pattern.match(f"/repos/{repo.full_name}{rest}")
            if match:
                getattr(self, f"_route_{route}")(*match.groups())
                return
        self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})

    def _route_rate_limit(self) -> None:
        # GitHub: "Accessing this endpoint does not count against your REST API rate limit."
        key = getattr(self, "_budget_key", "") or self._token
        resources = {}
        for resource in ("core", "graphql"):
            budget = self.github.budget_of(key, resource)
            resources[resource] = {"limit": budget.limit, "used": budget.limit - budget.remaining,
                                   "remaining": budget.remaining, "reset": budget.reset}
        core = resources["core"]
        headers = {f"x-ratelimit-{name}": str(value) for name, value in core.items()}
        self._send_raw(200, json.dumps({"resources": resources, "rate": core}).encode(),
                       {**headers, "x-ratelimit-resource": "core"}, charge=False)

    def _route_installation_repos(self) -> None:
        installation = getattr(self, "_installation", None)
        if installation is None:
            self._send(403, {"message": "You must authenticate with an installation access token in order to list "
                                        "repositories for an installation.", "documentation_url": DOC_URL})
            return
        granted = [r for r in self.github.repos.values() if installation.has(r.full_name)]
        self._list(sorted(granted, key=lambda r: r.full_name.lower()), key="repositories")

    def _route_user_repos(self) -> None:
        self._list(sorted(self.github.repos.values(), key=lambda r: r.full_name.lower()))

    def _route_org_repos(self, org: str) -> None:
        repos = [r for r in self.github.repos.values() if r.owner.lower() == org.lower()]
        if not repos:
            self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})
            return
        self._list(sorted(repos, key=lambda r: r.full_name.lower()))

    def _list(self, repos: list[FakeRepo], *, key: str | None = None) -> None:
        try:
            per_page = min(max(int(self._query.get("per_page", 30)), 1), 100)
            page = max(int(self._query.get("page", 1)), 1)
        except ValueError:
            self._send(422, {"message": "Validation Failed", "documentation_url": DOC_URL})
            return
        last = max(1, -(-len(repos) // per_page))
        chunk = repos[(page - 1) * per_page : page * per_page]
        base = f"{self.github.link_base or self.github.url}{self._split.path}"
        links = []
        if page < last:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
        extra = {"Link": ", ".join(links)} if links else {}
        def body() -> Any:
            entries = [self.github.repo_body(r) for r in chunk]
            return {"total_count": len(repos), key: entries} if key else entries

        self._serve(None, "list", body, extra=extra)

    # --- responses -------------------------------------------------------------------------------
    def _serve(self, repo: FakeRepo | None, endpoint: str, body: Any, *, extra: dict[str, str] | None = None) -> None:
        gh = self.github
        fault = gh.take_fault(repo, endpoint) if repo is not None else None
        if fault is not None:
            if fault.kind == "latency":
                gh.wait(fault.seconds)
            elif fault.kind == "timeout":
                gh.wait(fault.seconds or 5.0)
                self.close_connection = True
                return
            elif fault.kind == "error500":
                self._send(500, {"message": "Server Error"})
                return
            elif fault.kind == "no_push_access":
                self._send(403, {"message": "Must have push access to repository", "documentation_url": DOC_URL})
                return
            elif fault.kind == "not_accessible":
                # An App without Administration: read gets GitHub's "…by integration" wording.
                via = "integration" if getattr(self, "_installation", None) else "personal access token"
                self._send(403, {"message": f"Resource not accessible by {via}", "documentation_url": DOC_URL})
                return
            elif fault.kind == "not_found":
                self._send(404, {"message": "Not Found", "documentation_url": DOC_URL})
                return
            elif fault.kind == "unauthorized":
                self._send(401, {"message": "Bad credentials", "documentation_url": DOC_URL})
                return
            elif fault.kind == "secondary_rate_limit":
                self._send(429, {"message": "You have exceeded a secondary rate limit.", "documentation_url": DOC_URL},
                           extra={"Retry-After": str(int(fault.seconds or 60))})
                return
        payload = json.dumps(body(), separators=(",", ":")).encode()
        etag = f'W/"{hashlib.sha1(payload).hexdigest()}"'
        if fault is not None and fault.kind == "malformed":
            payload = payload[: max(1, len(payload) // 2)]
        if self.headers.get("If-None-Match") == etag and (fault is None or fault.kind == "latency"):
            self._send_raw(304, b"", {"ETag": etag, **(extra or {})}, free=True)
            return
        if fault is not None and fault.kind == "truncated":
            self._send_raw(200, payload, {"ETag": etag}, declared_length=len(payload) + 64)
            return
        self._send_raw(200, payload, {"ETag": etag, "Cache-Control": "private, max-age=60", **(extra or {})})

    def _send(self, status: int, body: Any, *, extra: dict[str, str] | None = None, token: str | None = "") -> None:
        self._send_raw(status, json.dumps(body).encode(), extra or {}, charge=token is not None)

    def _send_raw(
        self, status: int, payload: bytes, headers: dict[str, str], *, free: bool = False, charge: bool = True,
        declared_length: int | None = None,
    ) -> None:
        gh = self.github
        token = getattr(self, "_budget_key", "") or getattr(self, "_token", "")
        if charge and token:
            budget, refused = gh.spend(token, free)
            if refused:
                status, free = 403, True
                payload = json.dumps({
                    "message": "API rate limit exceeded for user ID 1.", "documentation_url": DOC_URL,
                }).encode()
                headers = {}
                declared_length = None
            headers = {
                **headers,
                "x-ratelimit-limit": str(budget.limit),
                "x-ratelimit-remaining": str(budget.remaining),
                "x-ratelimit-used": str(budget.limit - budget.remaining),
                "x-ratelimit-reset": str(budget.reset),
                "x-ratelimit-resource": "core",
            }
        expiration = gh.token_expirations.get(getattr(self, "_token", ""))
        if expiration:
            headers = {**headers, "github-authentication-token-expiration": expiration}
        gh.log(FakeRequest(self.command, self._split.path if hasattr(self, "_split") else self.path,
                           self._split.query if hasattr(self, "_split") else "",
                           {k: v for k, v in self.headers.items()}, status))
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(declared_length if declared_length is not None else len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        if declared_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if status != 304:
            self.wfile.write(payload)
        self.wfile.flush()
