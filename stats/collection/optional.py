"""Optional, budget-aware groups: star history (the stargazer list with `starred_at`) and workflow runs
per day (the CI-clone estimate). The planner schedules them only with budget left over
(planner.OPTIONAL_GROUPS); this module says what each repository wants now and what it may spend
(`optional_requests`), fetches within that allowance (worker threads: HTTP only, plain values) and
stores the result (`optional_store`, in the repository's store transaction).

Star history: GitHub lists stargazers oldest first, 100 a page, at most 400 pages. The backfill reads
the list from page 1, STARGAZER_PAGES_PER_RUN pages per daily fetch, and remembers the next page and the latest
`starred_at` stored; once the last page is read it is complete, and from then on a run re-reads only
the last known page (and what follows) for stars newer than that mark. Someone who unstarred no longer
appears, which moves later stargazers to earlier pages: when a page starts with a star newer than the
mark, the page before it is read too. A list longer than 40,000 (its count, or GitHub's 422 past page
400) caps the backfill: the history then starts at the first day collected.

CI runs: the days from the last fetched one (or CI_RUNS_BACKFILL_DAYS back) to yesterday, complete UTC
days only. One day: `created=D..D&per_page=1`, whose `total_count` is the answer (1 request). Several days:
one `created=A..B&per_page=100` request; when every run is on that page they are grouped by created day
(1 request for up to 100 runs, the common case), otherwise one `per_page=1` request per day (exact
whatever the volume, where paging the runs would cost a request per 100 runs).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F

from repos.github import GitHubClient, GitHubError, GitHubRateLimited
from repos.github_stars import (
    RUNS_PER_PAGE,
    STARGAZER_PAGE_CAP,
    STARGAZERS_PER_PAGE,
    stargazers_count,
    stargazers_page,
    workflow_runs,
)
from repos.models import Repository
from stats.collection.planner import Group
from stats.models import StargazerDay, WorkflowRunDay

STARGAZER_PAGES_PER_RUN = 100  # a 40,000-star backfill takes four daily fetches with budget left over
STARGAZER_INCREMENTAL_REQUESTS = 2  # the last known page, and the next one or the one before
CI_RUNS_BACKFILL_DAYS = 90  # GitHub keeps workflow run logs 90 days by default
CI_RUNS_MAX_REQUESTS = 31
MAX_STARS_LISTED = STARGAZER_PAGE_CAP * STARGAZERS_PER_PAGE


def _ci_days(repository: Repository, today: date) -> tuple[date, date] | None:
    start = today - timedelta(days=CI_RUNS_BACKFILL_DAYS)
    if repository.ci_runs_fetched_through is not None:
        start = max(start, repository.ci_runs_fetched_through + timedelta(days=1))
    end = today - timedelta(days=1)
    return (start, end) if start <= end else None


def optional_requests(repository: Repository, today: date) -> dict[Group, int]:
    """The optional groups this repository wants today and the requests each may spend."""
    wanted: dict[Group, int] = {}
    failed_today = repository.stargazers_error and repository.stargazers_fetched_on == today
    if not repository.stargazers_capped and not failed_today:
        if repository.stargazers_backfilled_on is None:
            wanted[Group.STARGAZERS] = STARGAZER_PAGES_PER_RUN
        elif repository.stargazers_fetched_on != today:
            wanted[Group.STARGAZERS] = STARGAZER_INCREMENTAL_REQUESTS
    days = _ci_days(repository, today) if repository.ci_runs_enabled else None
    if days is not None and not (repository.ci_runs_error and repository.ci_runs_fetched_on == today):
        count = (days[1] - days[0]).days + 1
        wanted[Group.CI_RUNS] = 1 if count == 1 else min(1 + count, CI_RUNS_MAX_REQUESTS)
    return wanted


@dataclass(frozen=True)
class OptionalTarget:
    """What a fetch thread needs of the repository's progress (plain values, no database)."""

    allowance: dict[Group, int]
    stargazers_resume_page: int = 1
    stargazers_mark: datetime | None = None
    stargazers_backfilled: bool = False
    ci_days: tuple[date, date] | None = None


def optional_target(repository: Repository, groups: tuple[Group, ...], today: date) -> OptionalTarget:
    wanted = optional_requests(repository, today)
    return OptionalTarget(
        allowance={group: cost for group, cost in wanted.items() if group in groups},
        stargazers_resume_page=max(1, repository.stargazers_resume_page),
        stargazers_mark=repository.stargazers_last_starred_at,
        stargazers_backfilled=repository.stargazers_backfilled_on is not None,
        ci_days=_ci_days(repository, today),
    )


@dataclass
class StargazerFetch:
    new_stars: Counter[date] = field(default_factory=Counter)
    mark: datetime | None = None
    resume_page: int = 1
    complete: bool = False
    capped: bool = False
    error: str = ""


@dataclass
class CIRunsFetch:
    runs: dict[date, int] = field(default_factory=dict)
    error: str = ""


@dataclass
class OptionalFetch:
    stargazers: StargazerFetch | None = None
    ci_runs: CIRunsFetch | None = None


def optional_fetch(*, client: GitHubClient, target: OptionalTarget | None, full_name: str) -> OptionalFetch:
    """Fetch the planned optional groups within their allowance. A refusal (no admin access, Actions off…)
    is recorded on the group, never fails the repository's traffic; the rate limit stops the run."""
    fetched = OptionalFetch()
    if target is None:
        return fetched
    if target.allowance.get(Group.STARGAZERS):
        fetched.stargazers = StargazerFetch(mark=target.stargazers_mark, resume_page=target.stargazers_resume_page)
        try:
            _stargazers_fetch(client, target, full_name, fetched.stargazers)
        except GitHubRateLimited:
            raise
        except GitHubError as exc:
            fetched.stargazers.error = f"stargazer list: {exc}"[:300]
    if target.allowance.get(Group.CI_RUNS) and target.ci_days is not None:
        fetched.ci_runs = CIRunsFetch()
        try:
            _ci_runs_fetch(client, target.ci_days, target.allowance[Group.CI_RUNS], full_name, fetched.ci_runs)
        except GitHubRateLimited:
            raise
        except GitHubError as exc:
            fetched.ci_runs.error = f"workflow runs: {exc}"[:300]
    return fetched


def _stargazers_fetch(client: GitHubClient, target: OptionalTarget, full_name: str, out: StargazerFetch) -> None:
    allowance = target.allowance[Group.STARGAZERS]
    mark = target.stargazers_mark  # stars at or before it are stored already
    spent = 0
    page = target.stargazers_resume_page
    if not target.stargazers_backfilled and page == 1:
        spent += 1
        if stargazers_count(client, full_name) > MAX_STARS_LISTED:
            out.capped = True  # GitHub would stop at page 400: no backfill can reach the first collected day
            return

    def take(times: list[datetime]) -> None:
        for at in times:
            if mark is None or at > mark:
                out.new_stars[at.date()] += 1
                out.mark = at if out.mark is None else max(out.mark, at)

    # The page read last time holds the mark, unless unstars moved stars not stored yet onto earlier
    # pages: then it starts after the mark, and we read back until a page starts at or before it.
    if spent >= allowance:
        return
    current = stargazers_page(client, full_name, page)
    spent += 1
    earliest = current.starred_at[0] if current.starred_at else None
    back = page - 1
    # (An empty page: the list shrank below it.)
    while mark is not None and back >= 1 and (earliest is None or earliest > mark) and spent < allowance:
        previous = stargazers_page(client, full_name, back)
        spent += 1
        take(previous.starred_at)
        earliest = previous.starred_at[0] if previous.starred_at else None
        back -= 1
    while True:
        if current.capped:
            out.capped, page = True, page - 1
            break
        take(current.starred_at)
        if not current.has_next:
            # The last page GitHub lists is page 400 and it is full: newer stargazers are not listed.
            out.capped = page >= STARGAZER_PAGE_CAP and len(current.starred_at) >= STARGAZERS_PER_PAGE
            break
        if spent >= allowance:
            break
        page += 1
        current = stargazers_page(client, full_name, page)
        spent += 1
    out.resume_page = max(1, page - 1 if not current.starred_at else page)
    # A backfill cut by the cap misses the newest stars: it never stands for the days before tracking.
    out.complete = (not current.has_next or current.capped) and (not out.capped or target.stargazers_backfilled)


def _ci_runs_fetch(client: GitHubClient, days: tuple[date, date], allowance: int, full_name: str,
                   out: CIRunsFetch) -> None:
    start, end = days
    if start == end:
        out.runs[start] = workflow_runs(client, full_name, start, start, per_page=1).total_count
        return
    listed = workflow_runs(client, full_name, start, end, per_page=RUNS_PER_PAGE)
    spent = 1
    if listed.total_count <= len(listed.created):
        per_day = Counter(listed.created)
        day = start
        while day <= end:
            out.runs[day] = per_day.get(day, 0)
            day += timedelta(days=1)
        return
    day = start
    while day <= end and spent < allowance:
        out.runs[day] = workflow_runs(client, full_name, day, day, per_page=1).total_count
        spent += 1
        day += timedelta(days=1)


def optional_store(*, repo_id: int, fetched: OptionalFetch, today: date) -> None:
    """Store what was fetched and the repository's progress (inside the repository's store transaction)."""
    fields: dict[str, object] = {}
    stars = fetched.stargazers
    if stars is not None:
        fields.update(stargazers_fetched_on=today, stargazers_error=stars.error)
        if not stars.error:
            _stargazer_days_add(repo_id=repo_id, counts=stars.new_stars)
            fields.update(stargazers_resume_page=stars.resume_page, stargazers_capped=stars.capped)
            if stars.mark is not None:
                fields["stargazers_last_starred_at"] = stars.mark
            if stars.complete:
                Repository.objects.filter(pk=repo_id, stargazers_backfilled_on__isnull=True).update(
                    stargazers_backfilled_on=today
                )
    runs = fetched.ci_runs
    if runs is not None:
        fields.update(ci_runs_fetched_on=today, ci_runs_error=runs.error)
        if runs.runs:
            _workflow_days_store(repo_id=repo_id, runs=runs.runs)
            # Contiguous from the first day due: a later run goes on after the last day stored.
            fields["ci_runs_fetched_through"] = max(runs.runs)
    if fields:
        Repository.objects.filter(pk=repo_id).update(**fields)


def _stargazer_days_add(*, repo_id: int, counts: Counter[date]) -> None:
    if not counts:
        return
    existing = set(
        StargazerDay.objects.filter(repository_id=repo_id, date__in=list(counts)).values_list("date", flat=True)
    )
    for day in existing:
        StargazerDay.objects.filter(repository_id=repo_id, date=day).update(stars=F("stars") + counts[day])
    StargazerDay.objects.bulk_create(
        [StargazerDay(repository_id=repo_id, date=day, stars=count) for day, count in counts.items()
         if day not in existing]
    )


def _workflow_days_store(*, repo_id: int, runs: dict[date, int]) -> None:
    # A day is fetched once it is complete; a later fetch of the same day (the range re-read after an
    # interrupted run) takes GitHub's newer answer.
    rows = {row.date: row for row in WorkflowRunDay.objects.filter(repository_id=repo_id, date__in=list(runs))}
    update = []
    for day, count in runs.items():
        if day in rows:
            rows[day].workflow_runs = count
            update.append(rows[day])
    if update:
        WorkflowRunDay.objects.bulk_update(update, ["workflow_runs"])
    WorkflowRunDay.objects.bulk_create(
        [WorkflowRunDay(repository_id=repo_id, date=day, workflow_runs=count) for day, count in runs.items()
         if day not in rows]
    )
