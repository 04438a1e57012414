"""The collection engine's public surface: start a run, collect its items (workers or the command),
finalize it. Shape of a run: `collection_run_start` claims the tenant's lock and creates one RunItem per
repository; workers (`collection_items_collect`) or the command (`collection_run_execute`) claim
items, fetch them from GitHub on a bounded thread pool sharing the credential's rate budget
(`fetch.py`), and store each repository in its own short transaction from the calling thread
(`store.py`: HTTP is concurrent, database writes are serial: no SQLite "database is locked", no
connections leaked by threads); the last one out finalizes the run exactly once (`runs.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import UTC, date, datetime

from django.conf import settings
from django.utils import timezone

from repos.clients import CredentialError, github_client_for_tenant
from repos.github import ErrorCode, GitHubClient, GitHubRateLimited
from repos.models import EndpointETag
from stats.collection import optional, planner, reservations
from stats.collection.fetch import RepoFetch, RepoTarget, metadata_prefetch, repository_fetch
from stats.collection.merge import Counts, daily_window
from stats.collection.runs import (
    PLANNED_TRIGGERS,
    CollectionBusy,
    _clock,
    _finalize_if_done,
    collection_plan_for,
    collection_run_finalize,
    collection_run_start,
    resume_delay,
)
from stats.collection.store import daily_counts_merge, item_fail, repository_store
from stats.models import CollectionRun, RunItem
from tenants.credential_expiry import github_credential_expiry_record

__all__ = [
    "PLANNED_TRIGGERS",
    "CollectionBusy",
    "Counts",
    "collection_items_collect",
    "collection_plan_for",
    "collection_run_execute",
    "collection_run_finalize",
    "collection_run_start",
    "daily_counts_merge",
    "daily_window",
    "resume_delay",
]


# --- working on items ---------------------------------------------------------------------------
def collection_items_collect(
    *,
    run_id: int,
    item_ids: Sequence[int] | None = None,
    concurrency: int | None = None,
    now: datetime | None = None,
) -> int:
    """Worker entry point: claim the given (or all) pending items of the run, collect and store them,
    and finalize the run when no item is left pending or claimed. Returns how many items were done."""
    done = _items_collect(run_id=run_id, item_ids=item_ids, concurrency=concurrency, now=now, progress=None)
    _finalize_if_done(run_id=run_id, now=_clock(now)())
    return done


def collection_run_execute(
    *,
    run: CollectionRun,
    concurrency: int | None = None,
    progress: Callable[[RunItem], None] | None = None,
    now: datetime | None = None,
) -> CollectionRun:
    """Inline execution (the command): collect every pending item, finalize, return the refreshed run."""
    _items_collect(run_id=run.pk, item_ids=None, concurrency=concurrency, now=now, progress=progress)
    _finalize_if_done(run_id=run.pk, now=_clock(now)())
    run.refresh_from_db()
    return run


def _items_collect(
    *,
    run_id: int,
    item_ids: Sequence[int] | None,
    concurrency: int | None,
    now: datetime | None,
    progress: Callable[[RunItem], None] | None,
) -> int:
    clock = _clock(now)
    run = CollectionRun.objects.select_related("tenant").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return 0
    started = clock()
    CollectionRun.objects.filter(pk=run_id, status=CollectionRun.Status.QUEUED).update(
        status=CollectionRun.Status.RUNNING, started=started
    )
    items = _items_claim(run_id=run_id, item_ids=item_ids, now=started)
    if not items:
        return 0
    today = started.astimezone(UTC).date()
    concurrency = max(1, concurrency or settings.COLLECT_CONCURRENCY)

    def finish(item: RunItem, *, status: str, error: str, code: ErrorCode) -> None:
        item_fail(item=item, status=status, error=error, code=code, now=clock())
        if progress is not None:
            progress(item)

    try:
        client = github_client_for_tenant(tenant=run.tenant, concurrency=concurrency)
    except CredentialError as exc:
        for item in items:
            finish(item, status=RunItem.Status.FAILED, error=str(exc), code=exc.code)
        return len(items)

    if run.rate_limited_until is not None and run.rate_limited_until > timezone.now():
        message = f"rate limited until {run.rate_limited_until:%Y-%m-%d %H:%M:%S} UTC"
        for item in items:
            finish(item, status=RunItem.Status.SKIPPED, error=message, code=ErrorCode.RATE_LIMITED)
        return len(items)

    # Workers share the credential's budget: this batch fetches only what it could reserve.
    reservation = reservations.budget_reserve(tenant_id=run.tenant_id, client=client, items=items, today=today)
    if reservation.denied and reservation.reset is not None:
        CollectionRun.objects.filter(pk=run_id).update(
            rate_limited_until=reservation.reset, rate_limit_remaining=client.budget.remaining,
            rate_limit_limit=client.budget.limit, rate_limit_reset=reservation.reset)
        message = str(GitHubRateLimited(reservation.reset))
        for item in reservation.denied:
            finish(item, status=RunItem.Status.SKIPPED, error=message, code=ErrorCode.RATE_LIMITED)
    try:
        done = len(reservation.denied) + _granted_collect(
            run_id=run_id, reservation=reservation, client=client, concurrency=concurrency, today=today,
            clock=clock, progress=progress)
    finally:
        reservations.budget_release(reservation=reservation)
    if client.budget.token_expires_at is not None:
        # Only when GitHub said so: a run that got no answer must not forget a known expiry.
        github_credential_expiry_record(tenant=run.tenant, expires_at=client.budget.token_expires_at)
    return done


def _granted_collect(
    *,
    run_id: int,
    reservation: reservations.Reservation,
    client: GitHubClient,
    concurrency: int,
    today: date,
    clock: Callable[[], datetime],
    progress: Callable[[RunItem], None] | None,
) -> int:
    items = reservation.granted
    if not items:
        client.close()
        return 0
    etags: dict[int, dict[str, EndpointETag]] = {}
    for etag in EndpointETag.objects.filter(repository_id__in=[item.repository_id for item in items]):
        etags.setdefault(etag.repository_id, {})[etag.endpoint] = etag
    by_id = {item.pk: item for item in items}
    targets = [
        RepoTarget(item.pk, item.repository_id, item.repository.full_name, item.repository.github_id,
                   etags.get(item.repository_id, {}), groups,
                   optional.optional_target(item.repository, groups, today), node_id=item.repository.node_id)
        for item in items
        for groups in [planner.groups_parse(item.groups)]
    ]
    with client, ThreadPoolExecutor(max_workers=min(concurrency, len(targets)),
                                    thread_name_prefix=f"collect-{run_id}") as pool:
        metadata_prefetch(client=client, targets=targets)
        futures = [pool.submit(repository_fetch, client=client, target=target, today=today) for target in targets]
        try:
            done = _results_store(run_id=run_id, futures=futures, items=by_id, client=client, clock=clock,
                                  progress=progress, reservation=reservation)
        except BaseException:
            # Killed (Ctrl-C, database gone...): do not fetch repositories nobody will store.
            for future in futures:
                future.cancel()
            raise
    return done


def _results_store(
    *,
    run_id: int,
    futures: list[Future[RepoFetch]],
    items: dict[int, RunItem],
    client: GitHubClient,
    clock: Callable[[], datetime],
    progress: Callable[[RunItem], None] | None,
    reservation: reservations.Reservation,
) -> int:
    done = 0
    for future in as_completed(futures):
        fetched = future.result()
        item = items[fetched.target.item_id]
        repository_store(item=item, fetched=fetched, now=clock())
        reservations.budget_release(reservation=reservation, item_id=item.pk)
        if isinstance(fetched.error, GitHubRateLimited):
            CollectionRun.objects.filter(pk=run_id).update(rate_limited_until=fetched.error.until)
        budget = client.budget
        CollectionRun.objects.filter(pk=run_id).update(
            heartbeat=clock(), rate_limit_remaining=budget.remaining, rate_limit_limit=budget.limit,
            rate_limit_reset=None if budget.reset_at is None else datetime.fromtimestamp(budget.reset_at, tz=UTC),
        )
        done += 1
        if progress is not None:
            progress(item)
    return done


def _items_claim(*, run_id: int, item_ids: Sequence[int] | None, now: datetime) -> list[RunItem]:
    # Conditional update + read back by a random token: two workers never get the same item.
    token = uuid.uuid4().hex
    pending = RunItem.objects.filter(run_id=run_id, status=RunItem.Status.PENDING)
    if item_ids is not None:
        pending = pending.filter(pk__in=list(item_ids))
    pending.update(status=RunItem.Status.CLAIMED, claim_token=token, claimed_at=now)
    return list(
        RunItem.objects.filter(run_id=run_id, claim_token=token, status=RunItem.Status.CLAIMED)
        .select_related("repository")
        .order_by("priority", "repository__owner", "repository__name")
    )
