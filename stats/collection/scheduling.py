"""Queuing collection work for the django-q2 workers (webhook, UI button, API, schedule, `--enqueue`).

A request for a collection becomes one CollectionRun (via the collection service, which holds the
one-active-run-per-tenant lock) whose RunItems are queued in small batches, one task per batch, so
several `qcluster` processes on several machines share one run. The service's
`collection_items_collect` claims items atomically and finalizes the run exactly once, so the last
batch to finish writes the totals.

Pings are safe to repeat: while a tenant's run is active, or less than COLLECT_MIN_INTERVAL seconds
after its last run finished, a request queues nothing and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from repos.models import Repository
from stats.collection import services, workers
from stats.models import CollectionRun, RunItem
from tenants.models import Tenant

logger = logging.getLogger(__name__)

COLLECT_TASK = "stats.collection.tasks.collect_items"
RESUME_TASK = "stats.collection.tasks.resume_collection"
SCHEDULED_TASK = "stats.collection.tasks.scheduled_collection"
SCHEDULE_NAME = "ghtraffic daily collection"
SCHEDULE_OFF_VALUES = {"", "off", "none", "disabled"}


@dataclass(frozen=True)
class CollectionOutcome:
    tenant: Tenant
    run: CollectionRun | None
    message: str


def _batch_size() -> int:
    return max(1, settings.COLLECT_BATCH_SIZE)


def collection_throttle_reason(*, tenant: Tenant, now: datetime) -> str | None:
    """Why a new run for `tenant` must wait (a run finished less than COLLECT_MIN_INTERVAL ago), or None.

    An active run is not checked here: `collection_run_start` does that atomically, and first fails a
    run whose worker stopped sending heartbeats, so a dead worker never blocks collection forever.
    """
    interval = timedelta(seconds=settings.COLLECT_MIN_INTERVAL)
    if interval <= timedelta(0):
        return None
    recent = (
        CollectionRun.objects.filter(tenant=tenant, finished__isnull=False, finished__gt=now - interval)
        .order_by("-finished")
        .first()
    )
    if recent is None or recent.finished is None:
        return None
    allowed = recent.finished + interval
    return (
        f"run {recent.pk} finished at {recent.finished:%H:%M:%S} UTC; "
        f"the next run may start after {allowed:%H:%M:%S} UTC (COLLECT_MIN_INTERVAL={settings.COLLECT_MIN_INTERVAL}s)"
    )


def collection_batches(*, run: CollectionRun, batch_size: int | None = None) -> list[list[int]]:
    """The run's pending item ids, cut into batches of `batch_size` (one task each)."""
    size = batch_size or _batch_size()
    ids = list(
        RunItem.objects.filter(run=run, status=RunItem.Status.PENDING)
        .order_by("priority", "pk")
        .values_list("pk", flat=True)
    )
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def collection_run_enqueue(*, run: CollectionRun, batches: Sequence[Sequence[int]]) -> int:
    """Queue one `collect_items` task per batch. Returns how many tasks were queued.

    If the broker refuses (Redis down…), the run's unqueued items are failed and the run finalized,
    so the tenant is not locked by a run that nobody will ever work on.
    """
    queued = 0
    try:
        for batch in batches:
            async_task(COLLECT_TASK, run.pk, list(batch), group=f"run-{run.pk}", task_name=f"run-{run.pk}-{queued}")
            queued += 1
        if not batches:
            # Nothing to collect: still let a worker close the run, through the same path.
            async_task(COLLECT_TASK, run.pk, [], group=f"run-{run.pk}", task_name=f"run-{run.pk}-empty")
            queued += 1
    except Exception as exc:
        logger.exception("could not queue collection run %s", run.pk)
        unqueued = [item_id for batch in batches[queued:] for item_id in batch]
        RunItem.objects.filter(pk__in=unqueued, status=RunItem.Status.PENDING).update(
            status=RunItem.Status.FAILED, finished_at=timezone.now(), error=f"could not queue work: {exc}"[:500]
        )
        # If the queued batches are already done (or none was queued), nobody else will close the run.
        busy = RunItem.objects.filter(run=run, status__in=(RunItem.Status.PENDING, RunItem.Status.CLAIMED))
        if not busy.exists():
            services.collection_run_finalize(run_id=run.pk)
    return queued


def collection_request(
    *, tenant: Tenant, trigger: str, now: datetime | None = None
) -> tuple[CollectionRun | None, str]:
    """Start a run for `tenant` and queue its work for the workers once the transaction commits.

    Returns (run, message), or (None, why nothing was queued): a run is active, one finished less than
    COLLECT_MIN_INTERVAL ago, or the tenant has no active repository.
    """
    now = now or timezone.now()
    if not Repository.objects.filter(tenant=tenant, active=True).exists():
        return None, "no active repositories to collect"
    # A resume continues a run the rate limit stopped, at a time GitHub's reset chose: never throttled.
    resume = trigger == CollectionRun.Trigger.RESUME
    reason = None if resume else collection_throttle_reason(tenant=tenant, now=now)
    if reason is not None:
        return None, reason
    if trigger in services.PLANNED_TRIGGERS:
        plan = services.collection_plan_for(tenant=tenant, trigger=trigger, now=now)
        if not plan.repositories:
            return None, "nothing due: every repository was fetched today" if plan.budget != 0 else (
                "nothing fits the rate limit's remaining budget until it resets")
    with transaction.atomic():
        try:
            run = services.collection_run_start(tenant=tenant, trigger=trigger, now=now)
        except services.CollectionBusy as exc:
            return None, str(exc)
        batches = collection_batches(run=run)
        transaction.on_commit(lambda: collection_run_enqueue(run=run, batches=batches))
    items = sum(len(batch) for batch in batches)
    return run, f"run {run.pk} queued ({items} repositor{'y' if items == 1 else 'ies'})"


def collection_resume_schedule(*, run: CollectionRun) -> datetime | None:
    """A run stopped by GitHub's primary rate limit continues on its own after the reset: a one-off
    django-q2 Schedule per tenant (re-planned then, most at-risk repositories first)."""
    if run.status != CollectionRun.Status.RATE_LIMITED or run.rate_limited_until is None:
        return None
    at = run.rate_limited_until + services.resume_delay()
    Schedule.objects.update_or_create(
        name=f"ghtraffic resume {run.tenant_id}",
        defaults={"func": RESUME_TASK, "args": repr((run.tenant_id,)), "schedule_type": Schedule.ONCE,
                  "repeats": 1, "next_run": at},
    )
    return at


def collection_request_all(
    *, trigger: str, tenant: Tenant | None = None, now: datetime | None = None
) -> list[CollectionOutcome]:
    """`collection_request` for one tenant, or for every tenant that has an active repository."""
    now = now or timezone.now()
    if tenant is not None:
        tenants: list[Tenant] = [tenant]
    else:
        # Smallest tenants queue first: a team with 10 repositories never waits behind one with 50,000.
        tenants = list(
            Tenant.objects.filter(repositories__active=True)
            .annotate(active_repositories=Count("repositories", filter=Q(repositories__active=True)))
            .order_by("active_repositories", "slug")
        )
    outcomes = []
    for each in tenants:
        run, message = collection_request(tenant=each, trigger=trigger, now=now)
        outcomes.append(CollectionOutcome(tenant=each, run=run, message=message))
    return outcomes


# --- The schedule (hourly ticks by default) ---------------------------------------------------------------------


class InvalidSchedule(ValueError):
    pass


def schedule_cron_validate(cron: str) -> str:
    cron = " ".join(cron.split())
    if len(cron.split(" ")) != 5 or not croniter.is_valid(cron):
        raise InvalidSchedule(
            f"COLLECT_SCHEDULE {cron!r} is not a 5-field cron expression (e.g. '30 23 * * *' for 23:30 UTC daily)"
        )
    return cron


def collection_schedule_ensure(
    *, cron: str | None = None, now: datetime | None = None, using: str = DEFAULT_DB_ALIAS
) -> tuple[Schedule | None, str]:
    """Create, update or remove the daily collection Schedule so it matches `cron` (default
    COLLECT_SCHEDULE; "off" or empty removes it). Idempotent: an unchanged schedule keeps its next run.

    Returns (schedule, action) with action one of created/updated/unchanged/removed/absent.
    """
    raw = settings.COLLECT_SCHEDULE if cron is None else cron
    schedules = Schedule.objects.using(using)
    if raw.strip().lower() in SCHEDULE_OFF_VALUES:
        deleted, _ = schedules.filter(name=SCHEDULE_NAME).delete()
        return None, "removed" if deleted else "absent"
    cron = schedule_cron_validate(raw)
    now = now or timezone.now()
    existing = schedules.filter(name=SCHEDULE_NAME).first()
    if (
        existing is not None
        and existing.cron == cron
        and existing.func == SCHEDULED_TASK
        and existing.schedule_type == Schedule.CRON
        and existing.repeats < 0
    ):
        return existing, "unchanged"
    schedule = existing or Schedule(name=SCHEDULE_NAME)
    schedule.func = SCHEDULED_TASK
    schedule.schedule_type = Schedule.CRON
    schedule.cron = cron
    schedule.repeats = -1
    next_run = croniter(cron, now).get_next(datetime)
    schedule.next_run = next_run
    schedule.save(using=using)
    if schedule.next_run != next_run:
        # Schedule.save() recomputes a new cron schedule's next run from the wall clock; keep ours.
        schedules.filter(pk=schedule.pk).update(next_run=next_run)
        schedule.next_run = next_run
    return schedule, "updated" if existing else "created"


def collection_schedule_post_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """post_migrate receiver: keep the daily Schedule in line with COLLECT_SCHEDULE on every migrate,
    and make sure the worker heartbeat schedule exists (the runs pages tell when no worker runs)."""
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return  # django_q is migrated backwards or not yet: nothing to schedule into
    workers.worker_heartbeat_schedule_ensure(using=using)
    try:
        collection_schedule_ensure(using=using)
    except InvalidSchedule as exc:
        raise ImproperlyConfigured(str(exc)) from None
