"""The fake GitHub's stargazer list and Actions workflow runs, with helpers for tests to add stars and runs.

    with FakeGitHub() as gh:
        gh.add_repo("acme/rocket")
        gh.stargazers.add("acme/rocket", [datetime(2025, 1, 2, 9, tzinfo=UTC), ...])
        gh.actions.add_runs("acme/rocket", date(2026, 1, 10), 12)

As GitHub does (shared/github-api/examples.json, GitHub's REST docs):
- `/stargazers` lists users oldest first; with `Accept: application/vnd.github.star+json` each entry is
  `{starred_at, user}`, otherwise the bare user. `per_page` at most 100; Link headers (`next`, `last`, …).
  The list stops at page 400: `rel="last"` never points further, and a page beyond it answers 422
  "In order to keep the API fast for everyone, pagination is limited for this resource." (GitHub's wording
  for capped lists). Only stars at or before the fake clock are listed.
- `/stargazers/count` answers `{"count": n}`.
- `/actions/runs?created=A..B` (or one day `A`) lists runs newest first with `total_count` of the filter.
A repository without stars added gets a deterministic list matching its repository body's
`stargazers_count` (its seed's stars in 2019, then one a week since 2020-01-01).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from devtools.fake_github_types import DOC_URL, FakeRepo

if TYPE_CHECKING:
    from devtools.fake_github_http import GitHubHandler

STAR_MEDIA_TYPE = "application/vnd.github.star+json"
PAGE_CAP = 400
CAPPED_MESSAGE = (
    "In order to keep the API fast for everyone, pagination is limited for this resource. Check the rel=last "
    "link relation in the Link response header to see how far back you can traverse."
)
_CREATED = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FakeStar:
    login: str
    user_id: int
    starred_at: datetime


class StargazerLists:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_repo: dict[str, list[FakeStar]] = {}
        self._next_user = 500_000

    def add(self, full_name: str, times: list[datetime]) -> None:
        """New stargazers starring at `times` (the list stays ordered by `starred_at`)."""
        with self._lock:
            stars = self.by_repo.setdefault(full_name.lower(), [])
            for at in times:
                self._next_user += 1
                stars.append(FakeStar(f"fan{self._next_user}", self._next_user, at.astimezone(UTC)))
            stars.sort(key=lambda star: star.starred_at)

    def add_daily(self, full_name: str, first_day: date, per_day: list[int], *, hour: int = 10) -> None:
        """`per_day[i]` stars on `first_day + i` (at `hour` UTC, a second apart)."""
        times = [
            datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(seconds=n)
            for offset, count in enumerate(per_day)
            for day in [first_day + timedelta(days=offset)]
            for n in range(count)
        ]
        self.add(full_name, times)

    def unstar(self, full_name: str, index: int) -> FakeStar:
        """The `index`-th stargazer (oldest first) unstars: it vanishes from the list."""
        with self._lock:
            return self.by_repo[full_name.lower()].pop(index)

    def listed(self, repo: FakeRepo, now: datetime) -> list[FakeStar]:
        stars = self.by_repo.get(repo.full_name.lower())
        if stars is None:
            return _synthetic(repo, now)
        return [star for star in stars if star.starred_at <= now]

    def configured(self, full_name: str) -> bool:
        return full_name.lower() in self.by_repo


def synthetic_count(repo: FakeRepo, now: datetime) -> int:
    """The default repository body's stargazers_count (kept as fake_github.repo_body always computed it)."""
    age = 0 if repo.static_body else (now.date() - date(2020, 1, 1)).days
    return repo.seed % 500 + age // 7


def _synthetic(repo: FakeRepo, now: datetime) -> list[FakeStar]:
    base = repo.seed % 500
    total = synthetic_count(repo, now)
    stars = []
    for index in range(total):
        if index < base or repo.static_body:
            at = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(minutes=index * 1000)
        else:
            at = _EPOCH + timedelta(days=7 * (index - base + 1), hours=-1)
        stars.append(FakeStar(f"user{repo.seed % 1000}x{index}", 1_000_000 + index, at))
    return stars


class ActionsRuns:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_repo: dict[str, list[dict[str, Any]]] = {}
        self._next_id = 9_000_000

    def add_runs(self, full_name: str, day: date, count: int, *, event: str = "push", name: str = "CI") -> None:
        """`count` workflow runs created on `day` (spread over its hours)."""
        with self._lock:
            runs = self.by_repo.setdefault(full_name.lower(), [])
            for n in range(count):
                self._next_id += 1
                created = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=n * 86_399 // max(
                    count, 1))
                runs.append({
                    "id": self._next_id, "name": name, "event": event, "status": "completed",
                    "conclusion": "success", "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "updated_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "run_number": n + 1,
                })

    def between(self, full_name: str, first: date, last: date) -> list[dict[str, Any]]:
        runs = [
            run for run in self.by_repo.get(full_name.lower(), [])
            if first.isoformat() <= run["created_at"][:10] <= last.isoformat()
        ]
        return sorted(runs, key=lambda run: (run["created_at"], run["id"]), reverse=True)


# --- routes (bound as GitHubHandler methods in fake_github_http) ------------------------------------
def _paging(handler: GitHubHandler) -> tuple[int, int] | None:
    try:
        per_page = min(max(int(handler._query.get("per_page", 30)), 1), 100)
        page = max(int(handler._query.get("page", 1)), 1)
    except ValueError:
        handler._send(422, {"message": "Validation Failed", "documentation_url": DOC_URL})
        return None
    return per_page, page


def _links(handler: GitHubHandler, page: int, last: int, per_page: int, extra_query: str = "") -> dict[str, str]:
    gh = handler.github
    base = f"{gh.link_base or gh.url}{handler._split.path}?{extra_query}per_page={per_page}&page="
    links = []
    if page < last:
        links += [f'<{base}{page + 1}>; rel="next"', f'<{base}{last}>; rel="last"']
    if page > 1:
        links += [f'<{base}{page - 1}>; rel="prev"', f'<{base}1>; rel="first"']
    return {"Link": ", ".join(links)} if links else {}


def route_stargazers(handler: GitHubHandler, owner: str, name: str) -> None:
    repo = handler._find(owner, name, "/stargazers")
    paging = _paging(handler) if repo is not None else None
    if repo is None or paging is None:
        return
    per_page, page = paging
    gh = handler.github
    stars = gh.stargazers.listed(repo, gh.now)
    last = min(max(1, -(-len(stars) // per_page)), PAGE_CAP)
    if page > PAGE_CAP:
        handler._send(422, {"message": CAPPED_MESSAGE, "documentation_url": DOC_URL})
        return
    chunk = stars[(page - 1) * per_page : page * per_page]
    with_times = STAR_MEDIA_TYPE in handler.headers.get("Accept", "")

    def body() -> list[dict[str, Any]]:
        users = [{"login": star.login, "id": star.user_id, "type": "User", "site_admin": False,
                  "url": f"https://api.github.com/users/{star.login}"} for star in chunk]
        if not with_times:
            return users
        return [{"starred_at": star.starred_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "user": user}
                for star, user in zip(chunk, users, strict=True)]

    handler._serve(repo, "stargazers", body, extra=_links(handler, page, last, per_page))


def route_stargazers_count(handler: GitHubHandler, owner: str, name: str) -> None:
    repo = handler._find(owner, name, "/stargazers/count")
    if repo is not None:
        gh = handler.github
        handler._serve(repo, "stargazers", lambda: {"count": len(gh.stargazers.listed(repo, gh.now))})


def route_actions_runs(handler: GitHubHandler, owner: str, name: str) -> None:
    repo = handler._find(owner, name, "/actions/runs")
    paging = _paging(handler) if repo is not None else None
    if repo is None or paging is None:
        return
    per_page, page = paging
    created = handler._query.get("created", "")
    match = _CREATED.match(created)
    if created and not match:
        handler._send(422, {"message": "Validation Failed", "documentation_url": DOC_URL})
        return
    first = date.fromisoformat(match.group(1)) if match else date(1970, 1, 1)
    last_day = date.fromisoformat(match.group(2) or match.group(1)) if match else date(9999, 12, 31)
    runs = handler.github.actions.between(repo.full_name, first, last_day)
    last = max(1, -(-len(runs) // per_page))
    chunk = runs[(page - 1) * per_page : page * per_page]
    extra_query = f"created={created}&" if created else ""
    handler._serve(repo, "actions", lambda: {"total_count": len(runs), "workflow_runs": chunk},
                   extra=_links(handler, page, last, per_page, extra_query))
