"""A small GitHub REST client for the traffic endpoints: pooled session, retries, rate limits, ETags.

The token is only ever put in the Authorization header: error messages are built from status codes,
paths and GitHub's own `message`, and are scrubbed of the token anyway, so nothing stored or logged
can leak it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry

from repos.github_budget import RateBudget, int_header
from repos.github_errors import (  # re-exported: callers import errors from the client
    ErrorCode,
    GitHubAccessError,
    GitHubAddressRefused,
    GitHubBadResponse,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnauthorized,
    GitHubUnavailable,
)
from repos.safe_http import EgressRefused, PublicAddressAdapter

__all__ = [
    "ApiResponse",
    "ErrorCode",
    "GitHubAccessError",
    "GitHubAddressRefused",
    "GitHubBadResponse",
    "GitHubClient",
    "GitHubError",
    "GitHubNotFound",
    "GitHubRateLimited",
    "GitHubUnauthorized",
    "GitHubUnavailable",
    "RateBudget",
    "RepoInfo",
]

logger = logging.getLogger(__name__)

TRAFFIC_ENDPOINTS = ("views", "clones")
MSG_NO_ACCESS = "token lacks access: needs push access (classic `repo` scope) or fine-grained 'Administration: read'"
MSG_NOT_FOUND = "not found or not visible to this token"
MSG_UNAUTHORIZED = "token invalid or expired"
MSG_APP_NO_ACCESS = (
    "the App lacks Administration: read; update the App's permissions and accept them in the organisation's settings"
)
# Attempts at one request when GitHub says "rate limited, wait N s" and N is short enough to sleep.
MAX_RATE_LIMIT_SLEEPS = 3
# Without retry-after GitHub asks for at least a minute before retrying a secondary limit.
SECONDARY_LIMIT_DEFAULT_WAIT = 60


# The current token; refresh=True after a 401 (an installation token expired mid-run): retried once.
TokenProvider = Callable[[bool], str]


def pause(seconds: float) -> None:
    time.sleep(seconds)


def _is_timeout(exc: requests.RequestException) -> bool:
    # Once urllib3's retries are spent on read timeouts, requests raises ConnectionError(MaxRetryError):
    # the timeout is its `reason`.
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3_exceptions.TimeoutError)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    data: Any
    etag: str
    # The URL path finally answered, after following a 301 (renamed or transferred repository).
    redirected: bool = False
    # rel="next" of the Link header (paginated lists).
    next_url: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class RepoInfo:
    github_id: int
    owner: str
    name: str
    private: bool = False
    archived: bool = False
    fork: bool = False
    node_id: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def _epoch_to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC).replace(microsecond=0)


class GitHubClient:
    def __init__(
        self,
        *,
        token: str = "",
        token_provider: TokenProvider | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        pool_size: int | None = None,
        retries: int = 3,
        backoff_factor: float | None = None,
        max_rate_limit_wait: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        budget: RateBudget | None = None,
        public_addresses_only: bool = False,
    ) -> None:
        """`public_addresses_only` for a URL a tenant supplied: every connection checks its peer address."""
        self._token_provider = token_provider or (lambda refresh: token)
        self._refreshable = token_provider is not None
        self._tokens_seen = {token} if token else set()
        self.base_url = (base_url or settings.GITHUB_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.GITHUB_TIMEOUT_SECONDS
        self.max_rate_limit_wait = (
            max_rate_limit_wait if max_rate_limit_wait is not None else settings.COLLECT_MAX_RATE_LIMIT_WAIT
        )
        # Looked up at call time so tests can replace `repos.github.pause` and never really sleep.
        self.sleep = sleep or (lambda seconds: pause(seconds))
        self.clock = clock
        self.budget = budget or RateBudget()
        self.graphql_budget = RateBudget()  # GraphQL's own hourly points (repos.github_graphql)
        pool_size = pool_size or settings.COLLECT_CONCURRENCY
        if backoff_factor is None:
            backoff_factor = settings.GITHUB_RETRY_BACKOFF
        self._local = threading.local()
        # A Retry class of this client's own: urllib3 copies it per request and calls increment()
        # before each retry, which is how retried attempts are counted (they spend budget too).
        counting_retry = type("CountingRetry", (_CountingRetry,), {"on_retry": staticmethod(self._count_attempt)})
        retry = counting_retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            backoff_factor=backoff_factor,
            raise_on_status=False,
            # 403/429 retry-after is ours to handle: urllib3 would sleep any length of time.
            respect_retry_after_header=False,
            redirect=5,
        )
        adapter_class = PublicAddressAdapter if public_addresses_only else HTTPAdapter
        adapter = adapter_class(pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=retry)
        self.session = requests.Session()
        if public_addresses_only:
            # No proxy from the environment (it would be the peer checked) and no ~/.netrc credentials.
            self.session.trust_env = False
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": settings.GITHUB_API_VERSION,
                "User-Agent": "ghtraffic",
            }
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count_attempt(self) -> None:
        self._local.attempts = getattr(self._local, "attempts", 0) + 1

    def attempts(self) -> int:
        """HTTP requests this thread sent through the client, retries included."""
        return getattr(self._local, "attempts", 0)

    def _scrub(self, text: str) -> str:
        for token in list(self._tokens_seen):
            text = text.replace(token, "***") if token else text
        return text

    def _authorization(self, *, refresh: bool = False) -> dict[str, str]:
        token = self._token_provider(refresh)
        self._tokens_seen.add(token)
        return {"Authorization": f"Bearer {token}"}

    # --- one request -------------------------------------------------------------------------
    # Every frame below this one (requests, urllib3) holds the Authorization header in its locals:
    # Django's exception reports (error e-mails) show those frames' variables as "********************".
    @method_decorator(sensitive_variables())
    def get(
        self, path: str, *, params: dict[str, Any] | None = None, etag: str | None = None,
        accept: str | None = None,
    ) -> ApiResponse:
        """GET `path`; 304 when `etag` still matches. Raises GitHubError subclasses with safe messages.
        `accept`: another media type (e.g. the stargazer list with `starred_at`)."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        headers = {"If-None-Match": etag} if etag else {}
        if accept:
            headers["Accept"] = accept
        refreshed = False
        for _attempt in range(MAX_RATE_LIMIT_SLEEPS + 1 + int(self._refreshable)):
            self._wait_for_budget()
            auth = self._authorization()
            self._count_attempt()
            try:
                response = self.session.get(url, params=params, headers={**headers, **auth}, timeout=self.timeout)
                content = response.content  # a truncated body raises here, not later
            except EgressRefused as exc:
                raise GitHubAddressRefused(self._scrub(f"refused to connect for {path}: {exc}")) from None
            except requests.RequestException as exc:
                code = ErrorCode.TIMEOUT if _is_timeout(exc) else ErrorCode.UNREACHABLE
                message = self._scrub(f"GitHub unreachable for {path}: {type(exc).__name__}")
                raise GitHubUnavailable(message, code=code) from None
            self.budget.observe(response.headers)
            if response.status_code == 401 and self._refreshable and not refreshed:
                refreshed = True
                self._authorization(refresh=True)  # a token that expired mid-run: once with a fresh one
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                if wait <= self.max_rate_limit_wait:
                    logger.info("rate limited on %s, sleeping %.0f s", path, wait)
                    self.sleep(wait)
                    self.budget.waited()
                    continue
                until = self.clock() + wait
                self.budget.block(until)
                raise GitHubRateLimited(_epoch_to_datetime(until))
            return self._parse(response, content, path)
        raise GitHubRateLimited(_epoch_to_datetime(self.clock() + SECONDARY_LIMIT_DEFAULT_WAIT))

    def _wait_for_budget(self) -> None:
        now = self.clock()
        until = self.budget.exhausted_until(now)
        if until is None:
            return
        wait = until - now
        if wait <= self.max_rate_limit_wait:
            self.sleep(wait)
            self.budget.waited()
            return
        raise GitHubRateLimited(_epoch_to_datetime(until))

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds to wait when the response is a rate-limit refusal, else None."""
        if response.status_code not in (403, 429):
            return None
        retry_after = int_header(response.headers, "retry-after")
        if retry_after is not None:
            return float(max(retry_after, 1))
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = int_header(response.headers, "x-ratelimit-reset")
            if reset is not None:
                return max(float(reset) - self.clock(), 1.0)
            return float(SECONDARY_LIMIT_DEFAULT_WAIT)
        if response.status_code == 429 or "rate limit" in response_message(response).lower():
            return float(SECONDARY_LIMIT_DEFAULT_WAIT)
        return None

    def _parse(self, response: requests.Response, content: bytes, path: str) -> ApiResponse:
        status = response.status_code
        redirected = any(r.status_code in (301, 302, 307, 308) for r in response.history)
        etag = response.headers.get("ETag", "")
        if status == 304:
            return ApiResponse(status=304, data=None, etag=etag, redirected=redirected)
        if status == 401:
            raise GitHubUnauthorized(MSG_UNAUTHORIZED, status=401)
        if status == 403:
            message = response_message(response)
            if "resource not accessible by integration" in message.lower():
                raise GitHubAccessError(MSG_APP_NO_ACCESS, status=403, code=ErrorCode.APP_PERMISSION_MISSING)
            if "push access" in message.lower() or "resource not accessible" in message.lower():
                raise GitHubAccessError(MSG_NO_ACCESS, status=403, code=ErrorCode.NO_PUSH_ACCESS)
            raise GitHubAccessError(self._scrub(f"access denied (403): {message or 'no reason given'}"), status=403)
        if status == 404:
            raise GitHubNotFound(MSG_NOT_FOUND, status=404)
        if status >= 500:
            raise GitHubUnavailable(
                f"GitHub answered {status} for {path} (after retries)", status=status, code=ErrorCode.SERVER_ERROR
            )
        if status != 200:
            message = self._scrub(f"GitHub answered {status} for {path}: {response_message(response)}")
            raise GitHubBadResponse(message, status=status)
        try:
            data = json.loads(content)
        except ValueError:
            raise GitHubBadResponse(f"GitHub sent invalid JSON for {path}", status=status) from None
        next_url = response.links.get("next", {}).get("url")
        return ApiResponse(status=200, data=data, etag=etag, redirected=redirected, next_url=next_url)

    # --- endpoints ---------------------------------------------------------------------------
    def rate_limit(self) -> int | None:
        """The core budget's remaining requests now (`GET /rate_limit`: free, it spends none); None: unknown
        (GitHub Enterprise Server without rate limiting answers 404)."""
        try:
            response = self.get("/rate_limit")
            core = response.data["resources"]["core"]
            remaining, reset = int(core["remaining"]), float(core["reset"])
        except (GitHubNotFound, GitHubBadResponse, KeyError, TypeError, ValueError):
            return None
        self.budget.observe(requests.structures.CaseInsensitiveDict(
            {"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(int(reset)),
             "x-ratelimit-limit": str(core.get("limit", ""))}))
        return remaining

    def repository(self, full_name: str, *, etag: str | None = None) -> ApiResponse:
        response = self.get(f"/repos/{full_name}", etag=etag)
        if response.status == 200:
            _require(response.data, dict, ("id", "full_name"), f"/repos/{full_name}")
        return response

    def traffic(self, full_name: str, kind: str, *, per: str = "day", etag: str | None = None) -> ApiResponse:
        """`kind` is "views" or "clones"; `per` "day" or "week"."""
        path = f"/repos/{full_name}/traffic/{kind}"
        response = self.get(path, params={"per": per}, etag=etag)
        if response.status == 200:
            _require(response.data, dict, ("count", "uniques", kind), path)
            for bucket in response.data[kind]:
                _require(bucket, dict, ("timestamp", "count", "uniques"), path)
        return response

    def popular(self, full_name: str, kind: str, *, etag: str | None = None) -> ApiResponse:
        """`kind` is "referrers" or "paths"."""
        path = f"/repos/{full_name}/traffic/popular/{kind}"
        response = self.get(path, etag=etag)
        if response.status == 200:
            _require(response.data, list, (), path)
            keys = ("referrer", "count", "uniques") if kind == "referrers" else ("path", "count", "uniques")
            for entry in response.data:
                _require(entry, dict, keys, path)
        return response

    def list_repositories(self, org: str | None = None) -> list[RepoInfo]:
        """Every repository the token sees (`/user/repos`) or of one organisation, following Link pages."""
        return self._repository_pages(f"/orgs/{org}/repos" if org else "/user/repos")

    def list_installation_repositories(self) -> list[RepoInfo]:
        """Every repository a GitHub App installation was granted (its token only sees these)."""
        return self._repository_pages("/installation/repositories", key="repositories")

    def _repository_pages(self, url: str | None, *, key: str | None = None) -> list[RepoInfo]:
        params: dict[str, Any] | None = {"per_page": 100}
        found: list[RepoInfo] = []
        seen_pages = 0
        while url is not None and seen_pages < 1000:
            response = self.get(url, params=params)
            data = response.data.get(key) if key and isinstance(response.data, dict) else response.data
            if not isinstance(data, list):
                raise GitHubBadResponse("GitHub sent an unexpected repository list")
            for entry in data:
                _require(entry, dict, ("id", "name", "owner"), "repository list")
                found.append(
                    RepoInfo(
                        github_id=int(entry["id"]),
                        owner=str(entry["owner"]["login"]),
                        name=str(entry["name"]),
                        private=bool(entry.get("private", False)),
                        archived=bool(entry.get("archived", False)),
                        fork=bool(entry.get("fork", False)),
                        node_id=str(entry.get("node_id") or "")[:100],
                    )
                )
            # Link URLs carry their own query string.
            url, params = response.next_url, None
            if url is not None and not _same_origin(url, self.base_url):
                # The token travels with every request: never to a host the Link header picked.
                raise GitHubBadResponse(
                    f"GitHub's next-page link points to another host ({_origin(url)}); refusing to send the token there"
                )
            seen_pages += 1
        return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _same_origin(url: str, base_url: str) -> bool:
    return _origin(url) == _origin(base_url)


class _CountingRetry(Retry):
    @staticmethod
    def on_retry() -> None:
        pass

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        new = super().increment(*args, **kwargs)  # raises when retries are exhausted: no new attempt
        type(self).on_retry()
        return new


def response_message(response: requests.Response) -> str:
    """GitHub's `message` from an error body ("" when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _require(value: Any, kind: type, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(value, kind) or (keys and not all(key in value for key in keys)):
        raise GitHubBadResponse(f"GitHub sent an unexpected response shape for {where}")
