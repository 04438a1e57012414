"""A fake GitHub REST API: a real threaded HTTP server on 127.0.0.1 for tests and benchmarks.

It simulates visitors per repository deterministically (seeded by the repository's first name), so
tests know the truth GitHub would report: per day the views/clones and distinct visitors, per week and
per window the distinct visitors (real de-duplication, never sums). It serves GitHub's rolling window
as GitHub does: 15 daily buckets for the current UTC day, the current day partial (events before the
current hour) and the oldest day cut short (events from the current hour on, as the 14x24 h window
rolls), zero buckets omitted, weeks keyed by Monday. Shapes follow shared/github-api/examples.json.
Budgets: per token and resource (core; graphql for `POST /graphql`, devtools.fake_github_graphql), in
windows of `window_seconds` (an hour) on the fake's own `clock` (the wall clock by default, so time-machine
moves it); `GET /rate_limit` reports them for free, as GitHub does.

    with FakeGitHub() as gh:
        gh.add_repo("acme/rocket")
        gh.set_today(date(2026, 3, 1))
        gh.inject_fault("acme/rocket", "error500", times=2)
        client = GitHubClient(token="t", base_url=gh.url)
"""

from __future__ import annotations

import random
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from http.server import ThreadingHTTPServer
from typing import Any

from devtools import fake_github_popular
from devtools.fake_github_app import FakeGitHubApp
from devtools.fake_github_http import GitHubHandler
from devtools.fake_github_releases import FakeReleases
from devtools.fake_github_stars import ActionsRuns, StargazerLists
from devtools.fake_github_types import (  # re-exported: tests and benchmarks import them from here
    DOC_URL,
    FAULT_KINDS,
    PATH_SUFFIXES,
    REFERRER_NAMES,
    TRAFFIC_ENDPOINTS,
    FakeRepo,
    FakeRequest,
    Fault,
    TokenBudget,
)

__all__ = [
    "DOC_URL", "FAULT_KINDS", "PATH_SUFFIXES", "REFERRER_NAMES", "TRAFFIC_ENDPOINTS", "FakeGitHub", "FakeRepo",
    "FakeRequest", "Fault", "TokenBudget",
]


@lru_cache(maxsize=100_000)
def _events(seed: int, visitors: int, kind: str, day: date) -> tuple[tuple[int, int], ...]:
    """(visitor id, hour) of every view or clone on `day`."""
    if visitors <= 0:
        return ()  # a repository nobody visits
    rng = random.Random(f"{seed}:{kind}:{day.isoformat()}")
    mean = visitors if kind == "views" else max(1, visitors // 5)
    if rng.random() < (0.2 if kind == "views" else 0.35):
        return ()  # a quiet day: GitHub omits it
    pool = mean * 4
    people = rng.sample(range(pool), rng.randint(1, mean))
    events = []
    for person in people:
        for _ in range(rng.randint(1, 4 if kind == "views" else 2)):
            events.append((person, rng.randrange(24)))
    return tuple(events)


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class FakeGitHub:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(
        self, *, latency: float = 0.0, rate_limit: int = 5000, graphql_rate_limit: int = 5000,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.latency = latency
        self.rate_limit = rate_limit
        self.graphql_rate_limit = graphql_rate_limit
        # The epoch clock of the hourly budget windows (x-ratelimit-reset); by default the wall clock,
        # looked up at each call so that time-machine moves it too.
        self.clock: Callable[[], float] = clock or (lambda: time.time())
        # Length of a budget window (GitHub: an hour); a test shortens it to see a reset within seconds.
        self.window_seconds = 3600
        # Faults of POST /graphql (devtools.fake_github_graphql), like a repository's.
        self.graphql_faults: list[Fault] = []
        self.now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        self.repos: dict[str, FakeRepo] = {}  # by lower-case full name
        self.renamed: dict[str, int] = {}  # old lower-case full name -> github id
        self.tokens: set[str] | None = None  # None: any bearer token is valid
        self.budgets: dict[str, TokenBudget] = {}
        # Token → its `github-authentication-token-expiration` header ("2026-12-14 10:00:00 UTC"), sent
        # with every answer to that token (GitHub does so for fine-grained and expiring classic tokens).
        self.token_expirations: dict[str, str] = {}
        self.requests: list[FakeRequest] = []
        # Requests being answered right now, and the most ever at once (checks client concurrency).
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._next_id = 100_000
        # Where Link headers point (default: this server); a test sets another host.
        self.link_base: str | None = None
        # The GitHub App side (App JWTs, installations, installation tokens): see enable_app().
        self.app: FakeGitHubApp | None = None
        self.releases = FakeReleases(self)  # devtools.fake_github_releases
        # Stargazers with their starred_at, and Actions workflow runs (devtools.fake_github_stars).
        self.stargazers = StargazerLists()
        self.actions = ActionsRuns()
        # Top lists from a known daily truth per referrer/path (devtools.fake_github_popular) instead of random.
        self.popular_from_truth = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        fake = self

        class Handler(GitHubHandler):
            github = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 256
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeGitHub is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def enable_app(self, **options: Any) -> FakeGitHubApp:
        """Serve the GitHub App endpoints too (`devtools.fake_github_app`)."""
        self.app = FakeGitHubApp(self, **options)
        return self.app

    # --- the simulated world -------------------------------------------------------------------
    def set_today(self, day: date, *, hour: int = 12) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    def set_now(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)

    @property
    def today(self) -> date:
        return self.now.date()

    def add_repo(
        self, full_name: str, *, github_id: int | None = None, visitors: int = 40, private: bool = False,
        static_body: bool = False, fork: bool = False, archived: bool = False,
    ) -> FakeRepo:
        with self._lock:
            if github_id is None:
                self._next_id += 1
                github_id = self._next_id
            repo = FakeRepo(
                full_name=full_name, github_id=github_id, seed=zlib.crc32(full_name.lower().encode()),
                visitors=max(0, visitors), private=private, static_body=static_body,
                fork=fork, archived=archived,
            )
            self.repos[full_name.lower()] = repo
        return repo

    def rename_repo(self, old: str, new: str) -> None:
        """The repository moves (rename or transfer): the old name answers 301 to /repositories/<id>."""
        with self._lock:
            repo = self.repos.pop(old.lower())
            repo.full_name = new
            self.repos[new.lower()] = repo
            self.renamed[old.lower()] = repo.github_id

    def report_name(self, full_name: str, reported: str) -> None:
        """From now on the bodies of `full_name` (repository and lists) say it is called `reported`."""
        with self._lock:
            self.repos[full_name.lower()].reported_name = reported

    def inject_fault(
        self, full_name: str, kind: str, *, times: int | None = None, endpoint: str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Make the repository misbehave: `kind` in FAULT_KINDS, `times` requests (None: until cleared)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        if endpoint is None and kind in ("no_push_access", "not_accessible"):
            endpoint = "traffic"  # GitHub still shows a public repo; only traffic needs push access
        with self._lock:
            self.repos[full_name.lower()].faults.append(Fault(kind, times, endpoint, seconds))

    def clear_faults(self, full_name: str | None = None) -> None:
        with self._lock:
            for repo in self.repos.values():
                if full_name is None or repo.full_name.lower() == full_name.lower():
                    repo.faults.clear()

    def set_rate_limit(
        self, *, remaining: int, reset_in: float = 3600, token: str | None = None, resource: str = "core"
    ) -> None:
        """Set the `resource` budget ("core" or "graphql") of `token` (or of every token seen so far and future
        ones)."""
        with self._lock:
            reset = int(self.clock() + reset_in)
            suffix = "" if resource == "core" else f"#{resource}"
            limit = self.rate_limit if resource == "core" else self.graphql_rate_limit
            if token:
                targets = [token + suffix]
            else:
                targets = [name for name in self.budgets if name.endswith(suffix) and (suffix or "#" not in name)]
                targets.append("*" + suffix)
            for name in targets:
                self.budgets[name] = TokenBudget(limit, remaining, reset)

    def reset_rate_limit(self, token: str | None = None) -> None:
        with self._lock:
            for name, budget in self.budgets.items():
                if token is None or name.split("#")[0] == token:
                    budget.remaining, budget.reset = budget.limit, int(self.clock() + self.window_seconds)

    def budget_of(self, token: str, resource: str = "core") -> TokenBudget:
        """The budget as GitHub's `GET /rate_limit` reports it (free: nothing is charged)."""
        budget, _refused = self.spend(token, True, resource=resource)
        return budget

    def request_count(self, *, path_contains: str = "", status: int | None = None) -> int:
        with self._lock:
            return sum(
                1 for r in self.requests if path_contains in r.path and (status is None or r.status == status)
            )

    # --- truth ---------------------------------------------------------------------------------
    def _repo(self, full_name: str) -> FakeRepo:
        return self.repos[full_name.lower()]

    def _day_events(self, repo: FakeRepo, kind: str, day: date) -> tuple[tuple[int, int], ...]:
        return _events(repo.seed, repo.visitors, kind, day)

    def truth(self, full_name: str, day: date) -> dict[str, int]:
        """The complete day as GitHub finally reports it (no window cut)."""
        repo = self._repo(full_name)
        result = {}
        for kind, unique_key in (("views", "unique_views"), ("clones", "unique_clones")):
            events = self._day_events(repo, kind, day)
            result[kind] = len(events)
            result[unique_key] = len({person for person, _ in events})
        return result

    def truth_week(self, full_name: str, monday: date) -> dict[str, int]:
        """The complete week: counts add up, uniques are distinct visitors over the seven days."""
        repo = self._repo(full_name)
        result = {}
        for kind, unique_key in (("views", "unique_views"), ("clones", "unique_clones")):
            events = [e for offset in range(7) for e in self._day_events(repo, kind, monday + timedelta(offset))]
            result[kind] = len(events)
            result[unique_key] = len({person for person, _ in events})
        return result

    def window_events(self, repo: FakeRepo, kind: str) -> list[tuple[date, int, int]]:
        """(day, visitor, hour) of every event in the rolling window GitHub serves right now."""
        today, hour = self.now.date(), self.now.hour
        served = []
        for offset in range(14, -1, -1):
            day = today - timedelta(days=offset)
            for person, at in self._day_events(repo, kind, day):
                if (offset == 14 and at < hour) or (offset == 0 and at >= hour):
                    continue
                served.append((day, person, at))
        return served

    def traffic_body(self, repo: FakeRepo, kind: str, per: str) -> dict[str, Any]:
        served = self.window_events(repo, kind)
        buckets: dict[date, list[int]] = {}
        for day, person, _at in served:
            key = _monday(day) if per == "week" else day
            buckets.setdefault(key, []).append(person)
        return {
            "count": len(served),
            "uniques": len({person for _day, person, _at in served}),
            kind: [
                {"timestamp": _stamp(key), "count": len(people), "uniques": len(set(people))}
                for key, people in sorted(buckets.items())
            ],
        }

    def popular_body(self, repo: FakeRepo, kind: str) -> list[dict[str, Any]]:
        if self.popular_from_truth:
            return fake_github_popular.popular_body(repo, kind, self.now.date())
        rng = random.Random(f"{repo.seed}:{kind}:{self.now.date().isoformat()}")
        entries = []
        for name in REFERRER_NAMES if kind == "referrers" else PATH_SUFFIXES:
            count = rng.randint(0, repo.visitors * 3) if repo.visitors else 0
            # The same draws in the same order as ever: a zero count draws no uniques divisor.
            entries.append((name, count, max(1, count // rng.randint(1, 3)) if count else 0))
        return fake_github_popular.top_ten(repo, kind, entries)

    def repo_body(self, repo: FakeRepo) -> dict[str, Any]:
        age = 0 if repo.static_body else (self.now.date() - date(2020, 1, 1)).days
        shown = repo.reported_name or repo.full_name
        owner, _, name = shown.partition("/")
        return {
            "id": repo.github_id,
            "node_id": f"R_{repo.github_id}",
            "name": name,
            "full_name": shown,
            "owner": {"login": owner, "id": repo.seed % 100_000, "type": "Organization"},
            "private": repo.private,
            "fork": repo.fork,
            "archived": repo.archived,
            "html_url": f"https://github.com/{repo.full_name}",
            "stargazers_count": (len(self.stargazers.listed(repo, self.now))
                                 if self.stargazers.configured(repo.full_name) else repo.seed % 500 + age // 7),
            "watchers_count": repo.seed % 500 + age // 7,
            "forks_count": repo.seed % 50 + age // 60,
            "subscribers_count": repo.seed % 30 + age // 90,
            "open_issues_count": (repo.seed + age) % 25,
            "size": repo.seed % 10_000 + age,
            "default_branch": "main",
        }

    def star_count(self, full_name: str) -> int:
        return int(self.repo_body(self._repo(full_name))["stargazers_count"])

    # --- request handling ------------------------------------------------------------------------
    def take_fault(self, repo: FakeRepo, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in repo.faults:
                matches = fault.endpoint is None or fault.endpoint == endpoint or (
                    fault.endpoint == "traffic" and endpoint in TRAFFIC_ENDPOINTS
                )
                if not matches:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        repo.faults.remove(fault)
                return fault
        return None

    def spend(self, token: str, free: bool, *, resource: str = "core") -> tuple[TokenBudget, bool]:
        """Charge one request (or GraphQL point) to `token`'s `resource` budget; returns (budget after, whether it
        was refused). Each budget has hourly windows on self.clock: the first request opens one."""
        suffix = "" if resource == "core" else f"#{resource}"
        with self._lock:
            now = self.clock()
            budget = self.budgets.get(token + suffix)
            if budget is None:
                template = self.budgets.get("*" + suffix)
                limit = self.rate_limit if resource == "core" else self.graphql_rate_limit
                budget = TokenBudget(limit, limit, int(now + self.window_seconds))
                if template is not None:
                    budget = TokenBudget(template.limit, template.remaining, template.reset)
                self.budgets[token + suffix] = budget
            if now >= budget.reset:
                budget.remaining, budget.reset = budget.limit, int(now + self.window_seconds)
            if budget.remaining <= 0:
                return budget, True
            if not free:
                budget.remaining -= 1
            return budget, False

    def in_flight_change(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def log(self, request: FakeRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)
