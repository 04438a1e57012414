"""Reads for the capacity page: the credential's budget, what full freshness and the lossless floor
cost per day, the mode the planner is in, and per repository when each endpoint group was fetched
and when it is next due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from stats.collection import planner
from stats.collection.runs import PLANNED_TRIGGERS, repository_states
from stats.models import CollectionRun
from tenants.access import TenantAccess

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class GroupSchedule:
    group: planner.Group
    fetched_on: date | None
    due_on: date
    at_risk: bool


@dataclass(frozen=True)
class RepositoryCapacity:
    full_name: str
    groups: list[GroupSchedule]


@dataclass(frozen=True)
class Capacity:
    limit: int | None
    remaining: int | None
    reset: datetime | None
    repositories_followed: int
    requests_per_day_fresh: int
    requests_per_day_floor: int
    budget_per_day: int | None
    mode: str
    plan_summary: str
    repositories: list[RepositoryCapacity]

    @property
    def fits_freshness(self) -> bool | None:
        return None if self.budget_per_day is None else self.requests_per_day_fresh <= self.budget_per_day

    @property
    def fits_floor(self) -> bool | None:
        return None if self.budget_per_day is None else self.requests_per_day_floor <= self.budget_per_day


def capacity_overview(*, access: TenantAccess, today: date, limit: int = 200) -> Capacity:
    """The capacity of the tenant's credential against what its (visible) repositories need."""
    repositories = list(access.repositories().filter(active=True).order_by("owner", "name"))
    last = (
        CollectionRun.objects.filter(tenant=access.tenant, rate_limit_limit__isnull=False)
        .order_by("-created").first()
    )
    planned = (
        CollectionRun.objects.filter(tenant=access.tenant, trigger__in=PLANNED_TRIGGERS)
        .exclude(plan_mode="").order_by("-created").first()
    )
    states = repository_states(repositories[:limit])
    rows = [
        RepositoryCapacity(
            full_name=state.full_name,
            groups=[
                GroupSchedule(
                    group=group,
                    fetched_on=state.fetched_on[group],
                    due_on=planner.due_on(group, state.fetched_on[group], today),
                    at_risk=planner.group_due(group, state.fetched_on[group], today).at_risk,
                )
                for group in planner.ALL_GROUPS
            ],
        )
        for state in states
    ]
    count = len(repositories)
    # Metadata of a repository with a GraphQL node id comes from GraphQL's own budget, not from this one.
    graphql = sum(1 for repository in repositories if repository.node_id)
    metadata = planner.REQUESTS[planner.Group.METADATA]
    hourly = last.rate_limit_limit if last is not None else None
    return Capacity(
        limit=hourly,
        remaining=last.rate_limit_remaining if last is not None else None,
        reset=last.rate_limit_reset if last is not None else None,
        repositories_followed=count,
        requests_per_day_fresh=round(count * planner.FRESHNESS_REQUESTS_PER_DAY - graphql * metadata),
        requests_per_day_floor=round(
            count * planner.FLOOR_REQUESTS_PER_DAY - graphql * metadata / planner.METADATA_MAX_AGE + 0.4999),
        budget_per_day=None if hourly is None else hourly * HOURS_PER_DAY,
        mode=planned.plan_mode if planned is not None else "",
        # The summary names repositories: a repository-limited viewer does not get it.
        plan_summary="" if planned is None or access.is_limited else planned.plan_summary,
        repositories=rows,
    )
