"""The fake GitHub's plain data: repositories, faults, budgets and the request log (no server, no logic)."""

from __future__ import annotations

from dataclasses import dataclass, field

DOC_URL = "https://docs.github.com/rest"
REFERRER_NAMES = (
    "Google", "github.com", "stackoverflow.com", "news.ycombinator.com", "reddit.com", "duckduckgo.com",
    "bing.com", "t.co", "dev.to", "medium.com", "linkedin.com", "yandex.ru",
)
PATH_SUFFIXES = (
    "", "/blob/main/README.md", "/issues", "/pulls", "/releases", "/tree/main/docs", "/blob/main/LICENSE",
    "/actions", "/wiki", "/tree/main/src", "/blob/main/CHANGELOG.md", "/discussions",
)
FAULT_KINDS = frozenset({
    "latency", "error500", "timeout", "no_push_access", "not_accessible", "not_found", "unauthorized",
    "malformed", "truncated", "secondary_rate_limit",
})
TRAFFIC_ENDPOINTS = ("views", "clones", "referrers", "paths")


@dataclass
class Fault:
    kind: str
    times: int | None = None  # None: forever
    endpoint: str | None = None  # "repo", "views", "clones", "referrers", "paths" or None for all
    seconds: float = 0.0


@dataclass
class FakeRepo:
    full_name: str
    github_id: int
    seed: int
    visitors: int  # mean distinct visitors per day (views); clones use a fifth
    private: bool = False
    fork: bool = False
    archived: bool = False
    faults: list[Fault] = field(default_factory=list)
    # The repository body stays the same from day to day (a quiet repository): its ETag does too.
    static_body: bool = False
    # The full_name its bodies (repository, lists) show, when not its real one: a name GitHub would
    # never send, to test that the collector validates what it is told.
    reported_name: str | None = None

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int


@dataclass
class TokenBudget:
    limit: int = 5000
    remaining: int = 5000
    reset: int = 0
