"""GitHub calls beside traffic: the stargazer list with `starred_at` (star history) and the Actions
workflow runs of a date range (CI-clone estimate). They reuse GitHubClient's request machinery
(retries, rate budget, safe errors); no Django model here.

GitHub facts relied on (shared/github-api/examples.json and GitHub's REST docs):
- `GET /repos/{o}/{n}/stargazers` with `Accept: application/vnd.github.star+json` answers
  `[{starred_at, user}]`, oldest first, at most 100 a page; since 2026 only admins and collaborators
  may list it. Pagination stops at page 400 (40,000 stars): a later page answers 422 "pagination is
  limited for this resource". `GET /repos/{o}/{n}/stargazers/count` answers `{"count": n}`.
- `GET /repos/{o}/{n}/actions/runs?created=YYYY-MM-DD..YYYY-MM-DD` answers
  `{total_count, workflow_runs: [{id, created_at, event, status, conclusion, name, …}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from repos.github import GitHubBadResponse, GitHubClient

STAR_MEDIA_TYPE = "application/vnd.github.star+json"
STARGAZERS_PER_PAGE = 100
STARGAZER_PAGE_CAP = 400  # GitHub lists at most 400 pages: 40,000 stargazers
RUNS_PER_PAGE = 100


@dataclass(frozen=True)
class StargazerPage:
    page: int
    starred_at: list[datetime]
    has_next: bool
    # GitHub refused the page: it lies beyond the 400-page cap.
    capped: bool = False


@dataclass(frozen=True)
class WorkflowRuns:
    total_count: int
    # The UTC day each listed run was created (one page of them, newest first as GitHub lists them).
    created: list[date]


def _timestamp(value: object, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise GitHubBadResponse(f"GitHub sent an invalid timestamp in {where}") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stargazers_count(client: GitHubClient, full_name: str) -> int:
    path = f"/repos/{full_name}/stargazers/count"
    data = client.get(path).data
    if not isinstance(data, dict) or not isinstance(data.get("count"), int) or data["count"] < 0:
        raise GitHubBadResponse(f"GitHub sent an unexpected response shape for {path}")
    return int(data["count"])


def stargazers_page(client: GitHubClient, full_name: str, page: int) -> StargazerPage:
    """One page of the stargazer list (oldest first) with each star's time."""
    path = f"/repos/{full_name}/stargazers"
    try:
        response = client.get(path, params={"per_page": STARGAZERS_PER_PAGE, "page": page}, accept=STAR_MEDIA_TYPE)
    except GitHubBadResponse as exc:
        if exc.status == 422 and page > STARGAZER_PAGE_CAP:
            return StargazerPage(page=page, starred_at=[], has_next=False, capped=True)
        raise
    if not isinstance(response.data, list):
        raise GitHubBadResponse(f"GitHub sent an unexpected response shape for {path}")
    times = []
    for entry in response.data:
        if not isinstance(entry, dict) or "starred_at" not in entry:
            # The default media type lists users without `starred_at`: the Accept header was ignored.
            raise GitHubBadResponse(f"GitHub sent stargazers without starred_at for {path}")
        times.append(_timestamp(entry["starred_at"], path))
    return StargazerPage(page=page, starred_at=times, has_next=response.next_url is not None)


def workflow_runs(client: GitHubClient, full_name: str, start: date, end: date, *, per_page: int) -> WorkflowRuns:
    """Workflow runs created from `start` to `end` (UTC days, inclusive): the total, and the first page."""
    path = f"/repos/{full_name}/actions/runs"
    response = client.get(path, params={"created": f"{start.isoformat()}..{end.isoformat()}", "per_page": per_page})
    data = response.data
    if not isinstance(data, dict) or not isinstance(data.get("total_count"), int) or not isinstance(
        data.get("workflow_runs"), list
    ):
        raise GitHubBadResponse(f"GitHub sent an unexpected response shape for {path}")
    created = []
    for run in data["workflow_runs"]:
        if not isinstance(run, dict) or "created_at" not in run:
            raise GitHubBadResponse(f"GitHub sent an unexpected response shape for {path}")
        created.append(_timestamp(run["created_at"], path).date())
    return WorkflowRuns(total_count=max(0, int(data["total_count"])), created=created)
