"""One credential's REST budget shared by every worker of a run: each batch reserves what it will spend.

Workers are separate processes, each with its own client: what GitHub's headers told one of them, the
others do not know, and each would otherwise spend until GitHub refuses it (one 403 per worker thread).
So before fetching, a batch asks GitHub what is left (`GET /rate_limit`, free) and, under the tenant's lock
row (select_for_update), grants itself only what that leaves beyond the reservations of batches still
running (`CollectionLock.budget_reserved`); afterwards it hands its reservation back. What a running batch
already spent is then counted twice (in GitHub's remaining and in its reservation): conservative, never
more than GitHub's budget. Items that do not fit are skipped as rate limited; the run resumes after the
reset. A reset near enough for the client to sleep through, or a GitHub without rate limits, reserves
nothing (the client's own handling applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import F

from repos.github import GitHubClient, GitHubError
from stats.collection import optional, planner
from stats.models import CollectionLock, RunItem


@dataclass
class Reservation:
    tenant_id: int
    granted: list[RunItem] = field(default_factory=list)
    denied: list[RunItem] = field(default_factory=list)
    requests: int = 0  # reserved on the lock row (0: nothing to hand back)
    costs: dict[int, int] = field(default_factory=dict)  # by item id, while it is reserved
    reset: datetime | None = None  # when GitHub's budget comes back (for the denied items)


def item_requests(item: RunItem, today: date | None = None) -> int:
    """REST requests an item will send: its groups, metadata free when GraphQL can read it, optional
    groups at their fixed cost or at the allowance their repository states for `today`."""
    graphql = bool(item.repository.node_id)
    total = 0
    stated: dict[planner.Group, int] | None = None
    for group in planner.groups_parse(item.groups):
        if group is planner.Group.METADATA and graphql:
            continue
        cost = planner.fixed_requests(group)
        if cost is None:
            if stated is None:
                stated = optional.optional_requests(item.repository, today or datetime.now(UTC).date())
            cost = stated.get(group, 0)
        total += cost
    return total


def budget_reserve(
    *, tenant_id: int, client: GitHubClient, items: Sequence[RunItem], today: date | None = None
) -> Reservation:
    """Grant the items (in their order) what GitHub's remaining budget allows beyond other batches'
    reservations; the rest are denied until the reset."""
    reservation = Reservation(tenant_id=tenant_id)
    try:
        remaining = client.rate_limit()
    except GitHubError:
        remaining = None  # the requests themselves will find out
    reset_at = client.budget.reset_at
    near = reset_at is not None and reset_at - client.clock() <= client.max_rate_limit_wait
    if remaining is None or reset_at is None or near:
        reservation.granted = list(items)
        return reservation
    reservation.reset = None if reset_at is None else datetime.fromtimestamp(reset_at, tz=UTC)
    with transaction.atomic():
        # Write first (SQLite takes its write lock now, not at a later upgrade); then lock the row.
        locks = CollectionLock.objects.filter(tenant_id=tenant_id)
        if not locks.update(budget_reserved=F("budget_reserved")):
            CollectionLock.objects.get_or_create(tenant_id=tenant_id)
        lock = locks.select_for_update().get()
        available = remaining - lock.budget_reserved
        for item in items:
            cost = item_requests(item, today)
            if cost <= available:
                available -= cost
                reservation.requests += cost
                reservation.costs[item.pk] = cost
                reservation.granted.append(item)
            else:
                reservation.denied.append(item)
        if reservation.requests:
            locks.update(budget_reserved=F("budget_reserved") + reservation.requests)
    return reservation


def budget_release(*, reservation: Reservation, item_id: int | None = None) -> None:
    """One item (or, without `item_id`, the whole batch) is done: what it reserved is spent (GitHub's remaining
    says so now) or unused. Releasing each item as it is stored keeps the double count to items in flight."""
    requests = reservation.costs.pop(item_id, 0) if item_id is not None else reservation.requests
    if not requests:
        return
    CollectionLock.objects.filter(tenant_id=reservation.tenant_id, budget_reserved__gte=requests
                                  ).update(budget_reserved=F("budget_reserved") - requests)
    reservation.requests -= requests
    if item_id is None:
        reservation.costs.clear()
