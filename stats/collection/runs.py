"""A collection run's life: the per-tenant lock (claimed by a conditional UPDATE, stale holders
recovered), and finalizing exactly once (totals, status, error summary, lock released)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from repos.github import ErrorCode
from repos.models import Repository
from stats.collection import optional, planner
from stats.models import CollectionLock, CollectionRun, RunItem
from tenants.models import Tenant

MAX_ERROR_SUMMARY = 4000


def resume_delay() -> timedelta:
    """A run stopped by the rate limit goes on this long after GitHub's reset (COLLECT_RESUME_DELAY_SECONDS)."""
    return timedelta(seconds=settings.COLLECT_RESUME_DELAY_SECONDS)


class CollectionBusy(Exception):
    """A run of this tenant is queued or running (message names the run id)."""

    def __init__(self, *, tenant: Tenant, run_id: int) -> None:
        super().__init__(f"collection already running for {tenant.slug} (run {run_id})")
        self.tenant = tenant
        self.run_id = run_id


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.COLLECT_STALE_SECONDS)


def _clock(now: datetime | None) -> Callable[[], datetime]:
    """Timestamps for a call: real time, or `now` moving on with real elapsed time (tests, simulations)."""
    if now is None:
        return timezone.now
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


# --- the tenant lock and the run's life ---------------------------------------------------------
# Runs nobody is waiting for spend only what the budget allows; a person's run fetches everything.
PLANNED_TRIGGERS = frozenset({CollectionRun.Trigger.SCHEDULE, CollectionRun.Trigger.WEBHOOK,
                              CollectionRun.Trigger.RESUME})


def budget_estimate(*, tenant: Tenant, now: datetime) -> int | None:
    """Requests the tenant's credential may still spend now, from what GitHub said last (None: unknown)."""
    last = (
        CollectionRun.objects.filter(tenant=tenant, rate_limit_remaining__isnull=False)
        .order_by("-created")
        .values("rate_limit_remaining", "rate_limit_limit", "rate_limit_reset")
        .first()
    )
    if last is None:
        return None
    if last["rate_limit_reset"] is not None and last["rate_limit_reset"] <= now:
        remaining = last["rate_limit_limit"]  # a new window since: the whole budget is back
    else:
        remaining = last["rate_limit_remaining"]
    return None if remaining is None else max(0, remaining - settings.COLLECT_BUDGET_RESERVE)


def repository_states(
    repositories: Iterable[Repository], *, today: date | None = None
) -> list[planner.RepositoryState]:
    """The planner's view of each repository; with `today`, the optional groups it wants too."""
    return [
        planner.RepositoryState(
            repository_id=repo.pk,
            full_name=repo.full_name,
            fetched_on={
                planner.Group.METADATA: repo.metadata_fetched_on,
                planner.Group.DAY_SERIES: repo.day_series_fetched_on,
                planner.Group.WEEK_SERIES: repo.week_series_fetched_on,
                planner.Group.POPULAR: repo.popular_fetched_on,
                planner.Group.RELEASES: repo.releases_fetched_on,
            },
            optional={} if today is None else optional.optional_requests(repo, today),
            graphql_metadata=bool(repo.node_id),
        )
        for repo in repositories
    ]


def collection_plan_for(
    *, tenant: Tenant, trigger: str, now: datetime, repositories: Iterable[Repository] | None = None
) -> planner.Plan:
    """What a run of `trigger` would fetch now, in order (see stats.collection.planner)."""
    if repositories is None:
        repositories = Repository.objects.filter(tenant=tenant, active=True)
    repos = [repo for repo in repositories if repo.tenant_id == tenant.pk]
    planned = trigger in PLANNED_TRIGGERS
    return planner.collection_plan(
        states=repository_states(repos, today=now.astimezone(UTC).date()),
        today=now.astimezone(UTC).date(),
        budget=budget_estimate(tenant=tenant, now=now) if planned else None,
        force=not planned,
    )


def collection_run_start(
    *,
    tenant: Tenant,
    trigger: str,
    repositories: Iterable[Repository] | None = None,
    now: datetime | None = None,
) -> CollectionRun:
    """Claim the tenant's collection lock and create a queued run with one pending item per planned
    repository, most at risk first (the planner decides which endpoint groups each one fetches).

    Raises CollectionBusy when another run holds the lock; a holder whose heartbeat is stale (its
    worker died) is first marked failed, so a dead worker never blocks a tenant forever.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Writing first keeps SQLite from failing a read-then-write transaction under concurrency.
        run = CollectionRun.objects.create(tenant=tenant, trigger=trigger, status=CollectionRun.Status.QUEUED,
                                           heartbeat=now)
        CollectionLock.objects.get_or_create(tenant=tenant)
        _lock_claim(tenant=tenant, run=run, now=now)
        plan = collection_plan_for(tenant=tenant, trigger=trigger, now=now, repositories=repositories)
        RunItem.objects.bulk_create([
            RunItem(run=run, repository_id=planned.repository_id, priority=position,
                    groups=planner.groups_format(planned.groups))
            for position, planned in enumerate(plan.repositories)
        ])
        run.repos_total = len(plan.repositories)
        run.plan_mode, run.plan_summary = plan.mode, plan.summary()
        run.save(update_fields=["repos_total", "plan_mode", "plan_summary"])
    return run


def _lock_claim(*, tenant: Tenant, run: CollectionRun, now: datetime) -> None:
    # A conditional UPDATE is the claim: of two concurrent starts, one updates 1 row, the other 0.
    if CollectionLock.objects.filter(tenant=tenant, run__isnull=True).update(run=run, claimed_at=now):
        return
    holder_id = CollectionLock.objects.filter(tenant=tenant).values_list("run_id", flat=True).first()
    holder = CollectionRun.objects.filter(pk=holder_id).first()
    if holder is not None and holder.is_active and not _is_stale(holder, now):
        raise CollectionBusy(tenant=tenant, run_id=holder.pk)
    if holder is not None and holder.is_active:
        last = holder.heartbeat or holder.started or holder.created
        _run_finalize(run_id=holder.pk, now=now,
                      abandoned=f"abandoned: no sign of life from its worker since {last:%Y-%m-%d %H:%M:%S} UTC")
    # Finalizing the stale run released the lock; take it unless another starter was quicker.
    free = Q(run__isnull=True) | Q(run_id=holder_id)
    if not CollectionLock.objects.filter(free, tenant=tenant).update(run=run, claimed_at=now):
        # Someone else took over the stale lock between our two statements.
        current = CollectionLock.objects.filter(tenant=tenant).values_list("run_id", flat=True).first()
        raise CollectionBusy(tenant=tenant, run_id=current or 0)


def _is_stale(run: CollectionRun, now: datetime) -> bool:
    if run.status == CollectionRun.Status.QUEUED:
        # No worker picked it up yet: busy workers are no sign of death, only a lost task is.
        # (The heartbeat of a queued run is its creation time, on the caller's clock.)
        queued = run.heartbeat or run.created
        return queued is not None and now - queued > timedelta(seconds=settings.COLLECT_QUEUED_STALE_SECONDS)
    last = run.heartbeat or run.started or run.created
    return last is not None and now - last > _stale_after()


def collection_run_finalize(*, run_id: int) -> CollectionRun:
    """Aggregate the run's items into its totals and status, and release the tenant's lock (once)."""
    return _run_finalize(run_id=run_id, now=timezone.now())


def _run_finalize(*, run_id: int, now: datetime, abandoned: str = "") -> CollectionRun:
    with transaction.atomic():
        leftover = abandoned or "not collected: the run ended before this repository's turn"
        RunItem.objects.filter(
            run_id=run_id, status__in=(RunItem.Status.PENDING, RunItem.Status.CLAIMED)
        ).update(status=RunItem.Status.FAILED if abandoned else RunItem.Status.SKIPPED, finished_at=now,
                 error=leftover, error_code=ErrorCode.ABANDONED if abandoned else ErrorCode.NOT_REACHED)
        ok, failed, skipped = RunItem.Status.OK, RunItem.Status.FAILED, RunItem.Status.SKIPPED
        totals = RunItem.objects.filter(run_id=run_id).aggregate(
            total=Count("pk"),
            ok=Count("pk", filter=Q(status=ok)),
            failed=Count("pk", filter=Q(status__in=(failed, skipped))),
            skipped=Count("pk", filter=Q(status=skipped)),
            days=Sum("days_stored"),
            requests=Sum("api_requests"),
            not_modified=Sum("not_modified"),
        )
        errors = (
            RunItem.objects.filter(run_id=run_id, status__in=(failed, skipped))
            .exclude(error="")
            .order_by("repository__owner", "repository__name")
            .values_list("repository__owner", "repository__name", "error")
        )
        lines = [abandoned] if abandoned else []
        lines += [f"{owner}/{name}: {error}" for owner, name, error in errors[:100]]
        run = CollectionRun.objects.get(pk=run_id)
        if run.rate_limited_until is not None and totals["skipped"]:
            status = CollectionRun.Status.RATE_LIMITED
        elif totals["failed"] == 0 and not abandoned:
            status = CollectionRun.Status.SUCCEEDED
        elif totals["ok"]:
            status = CollectionRun.Status.PARTIAL
        else:
            status = CollectionRun.Status.FAILED
        CollectionRun.objects.filter(pk=run_id, status__in=CollectionRun.ACTIVE_STATUSES).update(
            status=status,
            finished=now,
            started=run.started or now,
            repos_total=totals["total"],
            repos_ok=totals["ok"],
            repos_failed=totals["failed"],
            days_stored=totals["days"] or 0,
            api_requests=totals["requests"] or 0,
            not_modified=totals["not_modified"] or 0,
            error_summary="\n".join(lines)[:MAX_ERROR_SUMMARY],
        )
        CollectionLock.objects.filter(run_id=run_id).update(run=None, claimed_at=None, budget_reserved=0)
    run.refresh_from_db()
    return run


def _finalize_if_done(*, run_id: int, now: datetime) -> None:
    busy = RunItem.objects.filter(run_id=run_id, status__in=(RunItem.Status.PENDING, RunItem.Status.CLAIMED))
    if not busy.exists() and CollectionRun.objects.filter(
        pk=run_id, status__in=CollectionRun.ACTIVE_STATUSES
    ).exists():
        _run_finalize(run_id=run_id, now=now)
