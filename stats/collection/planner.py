"""What a collection run fetches, in which order, within the credential's budget: a pure function.

Why this is lossless (facts in shared/github-api/README.md, derived from GitHub's 14 x 24 h window):
- per=day: a complete UTC day D is in the series from D+1 until about D+14. A fetch on day L stores
  every complete day before L, so the oldest day not yet stored is L, and it must be fetched by
  L + 13. We fetch the day series again once it is DAY_SERIES_MAX_AGE (6) days old: 7 days of
  margin, so a failed or rate-limited tick is caught up by the next ones.
- per=week: a complete Monday week W is whole only from W+7 until about W+14. A fetch on day L
  stores every week that ended before L; the oldest week not yet stored is the one holding L,
  whole until monday(L) + 13. We fetch again WEEK_MARGIN_DAYS (2) days before that deadline, never
  sooner than it is whole — one fetch per new complete week, each inside its 7-day span.
- referrers and popular paths are rolling 14-day top-10 snapshots: one at least every 13 days leaves
  no stretch unobserved; we take one after POPULAR_MAX_AGE (11) days (2 days of margin).
- repository metadata (stars, forks…) is a current count: nothing is lost between fetches, it is
  refreshed every METADATA_MAX_AGE days when the budget is short. A repository with a GraphQL node id
  gets it from a batched GraphQL query (100 per query, GraphQL's own budget): 0 REST requests.
A group fetched today is fresh; with an ample budget every group is fetched once per UTC day
(freshness), exactly as a daily run did. With a short budget, at-risk groups come first, ordered
by the deadline of the oldest bucket GitHub still serves and we do not have, then the stalest ones.

Optional groups (OPTIONAL_GROUPS: release downloads, star history, CI runs) lose nothing by waiting:
they are planned only with the budget left once the traffic groups had their turn, never in an
over-capacity run, a run whose budget is unknown or a person's run, so they never cost a traffic day.
Releases have a fixed cadence and cost; star history and CI runs state per repository how many requests
they want now (RepositoryState.optional) and ride along with a repository's traffic fetch, once every due
traffic group is planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Group(StrEnum):
    """Endpoint groups fetched together; each costs REQUESTS[group] budgeted requests."""

    METADATA = "metadata"  # GET /repos/{o}/{n}, or 1/100 of a GraphQL query when the node id is known
    DAY_SERIES = "day"  # views and clones, per=day
    WEEK_SERIES = "week"  # views and clones, per=week
    POPULAR = "popular"  # top referrers and top paths
    RELEASES = "releases"  # optional: releases and their assets' download counts
    STARGAZERS = "stargazers"  # optional: the stargazer list with starred_at (star history)
    CI_RUNS = "ci_runs"  # optional: Actions workflow runs per day (CI-clone estimate)


# The traffic groups: losslessness is about these. Optional groups (below) never displace them.
ALL_GROUPS: tuple[Group, ...] = (Group.METADATA, Group.DAY_SERIES, Group.WEEK_SERIES, Group.POPULAR)
REQUESTS: dict[Group, int] = {Group.METADATA: 1, Group.DAY_SERIES: 2, Group.WEEK_SERIES: 2, Group.POPULAR: 2}
REQUESTS_PER_REPOSITORY = sum(REQUESTS.values())
GRAPHQL_NODES_PER_QUERY = 100

DAY_SERIES_KEEP_DAYS = 13  # a complete day stays in the per=day series until D + 13
DAY_SERIES_MAX_AGE = 6
WEEK_KEEP_DAYS = 13  # a week starting Monday W stays whole in the per=week series until W + 13
WEEK_MARGIN_DAYS = 2
POPULAR_KEEP_DAYS = 13
POPULAR_MAX_AGE = 11
METADATA_MAX_AGE = 6


@dataclass(frozen=True)
class OptionalGroup:
    """Work nothing is lost by skipping (a cumulative count read again later says the same):
    planned only with the budget left after every traffic group due today, never in an over-capacity
    run, never on an unknown budget.

    Two kinds: a fixed cadence and cost (releases: fetched again once `cadence_days` old, `requests`
    each), or, with both None, a cost the repository states per run (RepositoryState.optional: star
    history and CI runs know how many pages they still want); those ride along with a repository's
    traffic fetch, and only once every due traffic group is planned."""

    group: Group
    cadence_days: int | None = None
    # Budgeted requests one fetch is estimated to cost (a paginated list: its first page).
    requests: int | None = None

    @property
    def stated_by_repository(self) -> bool:
        return self.requests is None


OPTIONAL_GROUPS: tuple[OptionalGroup, ...] = (
    OptionalGroup(Group.RELEASES, cadence_days=1, requests=1),
    OptionalGroup(Group.STARGAZERS),
    OptionalGroup(Group.CI_RUNS),
)


class Mode(StrEnum):
    FULL = "full"  # everything not fetched today fits the budget
    LOSSLESS = "lossless"  # the budget is short: at-risk groups first, stale ones as far as it goes
    OVER_CAPACITY = "over_capacity"  # even the at-risk groups do not all fit: data will be lost


@dataclass(frozen=True)
class RepositoryState:
    repository_id: int
    full_name: str
    # The UTC day each group was last fetched successfully (None: never).
    fetched_on: dict[Group, date | None]
    # Optional groups wanted now and the requests each may spend (absent or 0: not wanted).
    optional: dict[Group, int] = field(default_factory=dict)
    # Its GraphQL node id is known: metadata comes from a batched GraphQL query, not from the REST budget.
    graphql_metadata: bool = False


@dataclass(frozen=True)
class GroupDue:
    group: Group
    # Days until the oldest bucket GitHub still serves and we lack falls out (0: today is the last day).
    slack: int
    at_risk: bool
    age: int | None  # days since the last fetch; None when never fetched


@dataclass(frozen=True)
class PlannedRepository:
    repository_id: int
    full_name: str
    groups: tuple[Group, ...]
    requests: int
    # The smallest slack of its planned groups: how urgent this repository is.
    slack: int
    # Requests its optional groups may spend (included in `requests`).
    optional: dict[Group, int] = field(default_factory=dict)


@dataclass
class Plan:
    mode: Mode
    repositories: list[PlannedRepository]
    requests_planned: int
    # Budgeted requests to refresh everything not fetched today, and to fetch only what is at risk.
    requests_for_freshness: int
    requests_for_floor: int
    budget: int | None
    # At-risk groups left out for lack of budget: (full name, group, slack in days).
    left_at_risk: list[tuple[str, Group, int]] = field(default_factory=list)
    # Optional groups due but not planned (no budget left, or a run that plans none).
    optional_left: int = 0
    # GraphQL queries (points of GraphQL's own budget) the planned metadata takes.
    graphql_planned: int = 0

    @property
    def shortfall(self) -> int:
        """Requests the at-risk work needs beyond the budget (0 when it fits)."""
        if self.budget is None:
            return 0
        return max(0, self.requests_for_floor - self.budget)

    def summary(self) -> str:
        budget = "unknown" if self.budget is None else str(self.budget)
        text = (f"plan: {self.mode.value}; {self.requests_planned} requests planned for "
                f"{len(self.repositories)} repositories (budget {budget}; freshness needs "
                f"{self.requests_for_freshness}, what is at risk now {self.requests_for_floor})")
        if self.graphql_planned:
            text += f"; metadata in {self.graphql_planned} GraphQL queries"
        if self.left_at_risk:
            names = ", ".join(
                f"{name} ({group.value}, {slack} days left)" for name, group, slack in self.left_at_risk[:10]
            )
            more = len(self.left_at_risk) - 10
            text += f"; over capacity by {self.shortfall} requests, at risk: {names}"
            text += f" and {more} more" if more > 0 else ""
        if self.optional_left:
            text += f"; {self.optional_left} optional fetches (releases, star history, CI runs) left for later"
        return text


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def group_due(group: Group, last: date | None, today: date) -> GroupDue:
    """How urgent one group of one repository is today."""
    if last is None:
        # Never fetched: the oldest day GitHub serves falls out today (the day series first, then the
        # referrer snapshot); a complete week is whole until Sunday; metadata loses nothing by waiting.
        if group is Group.METADATA:
            return GroupDue(group, DAY_SERIES_KEEP_DAYS + 1, at_risk=False, age=None)
        slack = {Group.DAY_SERIES: 0, Group.POPULAR: 1}.get(group, (_monday(today) + timedelta(days=6) - today).days)
        return GroupDue(group, slack, at_risk=True, age=None)
    age = (today - last).days
    if group is Group.DAY_SERIES:
        slack = DAY_SERIES_KEEP_DAYS - age
        return GroupDue(group, slack, at_risk=age >= DAY_SERIES_MAX_AGE, age=age)
    if group is Group.WEEK_SERIES:
        slack = (_monday(last) + timedelta(days=WEEK_KEEP_DAYS) - today).days
        # Not before the week holding `last` is complete (no point fetching it cut).
        whole = today >= _monday(last) + timedelta(days=7)
        return GroupDue(group, slack, at_risk=whole and slack <= WEEK_MARGIN_DAYS, age=age)
    if group is Group.POPULAR:
        return GroupDue(group, POPULAR_KEEP_DAYS - age, at_risk=age >= POPULAR_MAX_AGE, age=age)
    # Nothing is lost between metadata fetches: it ranks after every traffic group at risk.
    return GroupDue(group, DAY_SERIES_KEEP_DAYS + 1 - age, at_risk=age >= METADATA_MAX_AGE, age=age)


def due_on(group: Group, last: date | None, today: date) -> date:
    """The first day this group is at risk (today when it is already, or was never fetched)."""
    if last is None:
        return today
    if group is Group.DAY_SERIES:
        due = last + timedelta(days=DAY_SERIES_MAX_AGE)
    elif group is Group.WEEK_SERIES:
        due = _monday(last) + timedelta(days=WEEK_KEEP_DAYS - WEEK_MARGIN_DAYS)
    elif group is Group.POPULAR:
        due = last + timedelta(days=POPULAR_MAX_AGE)
    else:
        due = last + timedelta(days=METADATA_MAX_AGE)
    return max(due, today)


# Budgeted requests per repository and day: every group every day, and each at its lossless cadence
# (the week series needs one fetch a week).
FRESHNESS_REQUESTS_PER_DAY = float(REQUESTS_PER_REPOSITORY)
FLOOR_REQUESTS_PER_DAY = (
    REQUESTS[Group.DAY_SERIES] / DAY_SERIES_MAX_AGE
    + REQUESTS[Group.WEEK_SERIES] / 7
    + REQUESTS[Group.POPULAR] / POPULAR_MAX_AGE
    + REQUESTS[Group.METADATA] / METADATA_MAX_AGE
)


def collection_plan(
    *,
    states: Iterable[RepositoryState],
    today: date,
    budget: int | None,
    force: bool = False,
    graphql_budget: int | None = None,
) -> Plan:
    """Order the work of a run. `budget`: budgeted REST requests this run may spend (None: unknown, no cut);
    `graphql_budget`: GraphQL points (None: unknown, taken as enough). Metadata of repositories with a node id
    is counted against GraphQL (one point per 100 repositories), the rest against REST.

    `force` (a person asked for a run now): every group of every repository, at-risk ones first, no cut.
    """
    states = list(states)
    at_risk: list[tuple[int, str, RepositoryState, GroupDue]] = []
    stale: list[tuple[int, str, RepositoryState, GroupDue]] = []
    fresh: list[tuple[int, str, RepositoryState, GroupDue]] = []
    for state in states:
        for group in ALL_GROUPS:
            due = group_due(group, state.fetched_on.get(group), today)
            # Ties: never-fetched first, then the oldest fetch, then by name (stable, readable).
            entry = (due.slack, state.full_name.lower(), state, due)
            if due.at_risk:
                at_risk.append(entry)
            elif due.age is None or due.age >= 1:
                stale.append(entry)
            else:
                fresh.append(entry)
    at_risk.sort(key=lambda e: (e[0], -(e[3].age if e[3].age is not None else 10_000), e[1]))
    stale.sort(key=lambda e: (-(e[3].age or 0), e[1]))
    fresh.sort(key=lambda e: e[1])
    graphql_nodes = 0 if graphql_budget is None else max(0, graphql_budget) * GRAPHQL_NODES_PER_QUERY
    graphql_used = 0

    def cost(state: RepositoryState, group: Group, *, spend: bool = False) -> int:
        nonlocal graphql_used
        if group is Group.METADATA and state.graphql_metadata and (
            graphql_budget is None or graphql_used < graphql_nodes
        ):
            graphql_used += int(spend)
            return 0
        return REQUESTS[group]

    floor = sum(cost(e[2], e[3].group) for e in at_risk)
    freshness = floor + sum(cost(e[2], e[3].group) for e in stale)
    ordered = at_risk + stale + (fresh if force else [])
    limit = None if (force or budget is None) else max(0, budget)

    chosen: dict[int, list[GroupDue]] = {}
    costs: dict[int, int] = {}
    names: dict[int, str] = {}
    order: list[int] = []
    spent = 0
    left_at_risk: list[tuple[str, Group, int]] = []
    for entry in ordered:
        state, due = entry[2], entry[3]
        price = cost(state, due.group)
        if limit is not None and spent + price > limit:
            if due.at_risk:
                left_at_risk.append((state.full_name, due.group, due.slack))
            continue
        cost(state, due.group, spend=True)
        spent += price
        _plan_add(state=state, due=due, price=price, chosen=chosen, costs=costs, names=names, order=order)

    optional: dict[int, dict[Group, int]] = {}
    optional_spent, optional_left = _optional_plan(
        states=states, today=today, budget_left=None if limit is None else limit - spent,
        skip=budget is None or bool(left_at_risk), traffic_complete=limit is not None and spent >= freshness,
        force=force, chosen=chosen, costs=costs, names=names, order=order, stated=optional,
    )
    spent += optional_spent
    planned = [
        PlannedRepository(
            repository_id=repo_id,
            full_name=names[repo_id],
            groups=tuple(group for group in PLANNED_ORDER if any(d.group is group for d in chosen[repo_id])),
            requests=costs[repo_id],
            slack=min(d.slack for d in chosen[repo_id]),
            optional=optional.get(repo_id, {}),
        )
        for repo_id in order
    ]
    if left_at_risk:
        mode = Mode.OVER_CAPACITY
    elif limit is not None and freshness > limit:
        mode = Mode.LOSSLESS
    else:
        mode = Mode.FULL
    return Plan(mode=mode, repositories=planned, requests_planned=spent, requests_for_freshness=freshness,
                requests_for_floor=floor, budget=budget, left_at_risk=left_at_risk, optional_left=optional_left,
                graphql_planned=-(-graphql_used // GRAPHQL_NODES_PER_QUERY))


PLANNED_ORDER: tuple[Group, ...] = (*ALL_GROUPS, *(optional.group for optional in OPTIONAL_GROUPS))


def _optional_plan(
    *,
    states: list[RepositoryState],
    today: date,
    budget_left: int | None,
    skip: bool,
    traffic_complete: bool,
    force: bool,
    chosen: dict[int, list[GroupDue]],
    costs: dict[int, int],
    names: dict[int, str],
    order: list[int],
    stated: dict[int, dict[Group, int]],
) -> tuple[int, int]:
    """Add the optional groups that are due, stalest first, to `chosen` within `budget_left` (called
    once every traffic group has had its turn). Returns (requests planned, groups due but left out);
    the costs of groups whose repository states them go to `stated` (the fetch's allowance).

    Skipped: a person's run (they asked for traffic now), an unknown budget (the next tick knows it)
    and an over-capacity run (traffic is being lost: not one request elsewhere). Groups whose cost the
    repository states ride along only with a repository fetched for traffic, and only once every due
    traffic group is in (`traffic_complete`)."""
    if force:
        return 0, 0
    fetched_for_traffic = set(chosen)
    due: list[tuple[int, str, RepositoryState, GroupDue, int]] = []
    for state in states:
        for optional in OPTIONAL_GROUPS:
            last = state.fetched_on.get(optional.group)
            age = None if last is None else (today - last).days
            staleness = -(age if age is not None else 10_000)
            if optional.stated_by_repository:
                cost = state.optional.get(optional.group, 0)
                if cost > 0 and state.repository_id in fetched_for_traffic:
                    entry = GroupDue(optional.group, slack=0, at_risk=False, age=age)
                    due.append((staleness, state.full_name.lower(), state, entry, cost))
            elif age is None or age >= (optional.cadence_days or 1):
                entry = GroupDue(optional.group, slack=(optional.cadence_days or 1) - (age or 0), at_risk=False,
                                 age=age)
                due.append((staleness, state.full_name.lower(), state, entry, optional.requests or 1))
    if skip:
        return 0, len(due)
    due.sort(key=lambda e: (e[0], e[1]))
    spent = left = 0
    for _, _, state, entry, cost in due:
        stated_cost = _optional_by_group[entry.group].stated_by_repository
        if (stated_cost and not traffic_complete) or (budget_left is not None and spent + cost > budget_left):
            left += 1
            continue
        spent += cost
        _plan_add(state=state, due=entry, price=cost, chosen=chosen, costs=costs, names=names, order=order)
        if stated_cost:
            stated.setdefault(state.repository_id, {})[entry.group] = cost
    return spent, left


_optional_by_group: dict[Group, OptionalGroup] = {optional.group: optional for optional in OPTIONAL_GROUPS}


def _plan_add(
    *, state: RepositoryState, due: GroupDue, price: int, chosen: dict[int, list[GroupDue]], costs: dict[int, int],
    names: dict[int, str], order: list[int],
) -> None:
    """Put one group of a repository into the plan (the repository in run order at its first group)."""
    if state.repository_id not in chosen:
        chosen[state.repository_id] = []
        costs[state.repository_id] = 0
        names[state.repository_id] = state.full_name
        order.append(state.repository_id)
    chosen[state.repository_id].append(due)
    costs[state.repository_id] += price


def fixed_requests(group: Group) -> int | None:
    """Budgeted requests a group costs, or None for an optional group whose repository states its cost."""
    if group in REQUESTS:
        return REQUESTS[group]
    return _optional_by_group[group].requests


def groups_parse(value: str) -> tuple[Group, ...]:
    """A RunItem's stored groups ("" means all traffic groups: runs planned before groups existed)."""
    if not value:
        return ALL_GROUPS
    return tuple(Group(part) for part in value.split(",") if part)


def groups_format(groups: Sequence[Group]) -> str:
    return ",".join(group.value for group in groups)
