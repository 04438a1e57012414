"""Collection: runs, the per-tenant lock, fetching from GitHub and the lossless merge into the database.

Shape of a run: `collection_run_start` claims the tenant's lock and creates one RunItem per
repository; workers (`collection_items_collect`) or the command (`collection_run_execute`) claim
items, fetch them from GitHub on a bounded thread pool sharing the credential's rate budget, and
store each repository in its own short transaction from the calling thread (HTTP is concurrent,
database writes are serial: no SQLite "database is locked", no connections leaked by threads);
the last one out finalizes the run exactly once and releases the lock.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from repos.clients import CredentialError, github_client_for_tenant
from repos.github import (
    ApiResponse,
    GitHubBadResponse,
    GitHubClient,
    GitHubError,
    GitHubRateLimited,
)
from repos.models import EndpointETag, Repository
from stats.collection import merge
from stats.models import (
    CollectionLock,
    CollectionRun,
    DailyTraffic,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMetrics,
    RunItem,
    WeeklyTraffic,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Endpoint keys (EndpointETag.endpoint) in the order they are requested for one repository.
EP_REPO = "repo"
EP_VIEWS_DAY, EP_CLONES_DAY = "views:day", "clones:day"
EP_VIEWS_WEEK, EP_CLONES_WEEK = "views:week", "clones:week"
EP_REFERRERS, EP_PATHS = "referrers", "paths"
# Snapshot endpoints only send If-None-Match when today's snapshot exists: a 304 must not leave a day empty.
SNAPSHOT_ENDPOINTS = (EP_REPO, EP_REFERRERS, EP_PATHS)
MAX_ERROR_SUMMARY = 4000


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
def collection_run_start(
    *,
    tenant: Tenant,
    trigger: str,
    repositories: Iterable[Repository] | None = None,
    now: datetime | None = None,
) -> CollectionRun:
    """Claim the tenant's collection lock and create a queued run with one pending item per repository.

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
        if repositories is None:
            repositories = Repository.objects.filter(tenant=tenant, active=True)
        repos = [repo for repo in repositories if repo.tenant_id == tenant.pk]
        RunItem.objects.bulk_create([RunItem(run=run, repository=repo) for repo in repos])
        run.repos_total = len(repos)
        run.save(update_fields=["repos_total"])
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
                 error=leftover)
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
        CollectionLock.objects.filter(run_id=run_id).update(run=None, claimed_at=None)
    run.refresh_from_db()
    return run


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


def _finalize_if_done(*, run_id: int, now: datetime) -> None:
    busy = RunItem.objects.filter(run_id=run_id, status__in=(RunItem.Status.PENDING, RunItem.Status.CLAIMED))
    if not busy.exists() and CollectionRun.objects.filter(
        pk=run_id, status__in=CollectionRun.ACTIVE_STATUSES
    ).exists():
        _run_finalize(run_id=run_id, now=now)


@dataclass
class RepoTarget:
    """What a fetch thread needs: plain values only, so threads never touch the database."""

    item_id: int
    repository_id: int
    full_name: str
    github_id: int | None
    etags: dict[str, EndpointETag]


@dataclass
class RepoFetch:
    target: RepoTarget
    today: date
    full_name: str
    github_id: int | None = None
    responses: dict[str, ApiResponse] = field(default_factory=dict)
    error: GitHubError | None = None
    requests: int = 0
    not_modified: int = 0


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

    def finish(item: RunItem, *, status: str, error: str) -> None:
        _item_fail(item=item, status=status, error=error, now=clock())
        if progress is not None:
            progress(item)

    try:
        client = github_client_for_tenant(tenant=run.tenant, concurrency=concurrency)
    except CredentialError as exc:
        for item in items:
            finish(item, status=RunItem.Status.FAILED, error=str(exc))
        return len(items)

    if run.rate_limited_until is not None and run.rate_limited_until > timezone.now():
        message = f"rate limited until {run.rate_limited_until:%Y-%m-%d %H:%M:%S} UTC"
        for item in items:
            finish(item, status=RunItem.Status.SKIPPED, error=message)
        return len(items)

    etags: dict[int, dict[str, EndpointETag]] = {}
    for etag in EndpointETag.objects.filter(repository_id__in=[item.repository_id for item in items]):
        etags.setdefault(etag.repository_id, {})[etag.endpoint] = etag
    by_id = {item.pk: item for item in items}
    targets = [
        RepoTarget(item.pk, item.repository_id, item.repository.full_name, item.repository.github_id,
                   etags.get(item.repository_id, {}))
        for item in items
    ]
    with client, ThreadPoolExecutor(max_workers=min(concurrency, len(targets)),
                                    thread_name_prefix=f"collect-{run_id}") as pool:
        futures = [pool.submit(_repo_fetch, client=client, target=target, today=today) for target in targets]
        try:
            done = _results_store(run_id=run_id, futures=futures, items=by_id, client=client, clock=clock,
                                  progress=progress)
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
) -> int:
    done = 0
    for future in as_completed(futures):
        fetched = future.result()
        item = items[fetched.target.item_id]
        _repo_store_safely(item=item, fetched=fetched, now=clock())
        if isinstance(fetched.error, GitHubRateLimited):
            CollectionRun.objects.filter(pk=run_id).update(rate_limited_until=fetched.error.until)
        CollectionRun.objects.filter(pk=run_id).update(heartbeat=clock(), rate_limit_remaining=client.budget.remaining)
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
        .order_by("repository__owner", "repository__name")
    )


def _item_fail(*, item: RunItem, status: str, error: str, now: datetime) -> None:
    item.status, item.error, item.finished_at = status, error[:2000], now
    # The item is gone with its repository when that was removed meanwhile: nothing to record.
    RunItem.objects.filter(pk=item.pk).update(status=status, error=error[:2000], finished_at=now)
    Repository.objects.filter(pk=item.repository_id).update(last_collected_at=now, last_error=error[:2000])


# --- fetching (worker threads: HTTP only) -----------------------------------------------------------
def _repo_fetch(*, client: GitHubClient, target: RepoTarget, today: date) -> RepoFetch:
    fetched = RepoFetch(target=target, today=today, full_name=target.full_name, github_id=target.github_id)

    def etag_for(endpoint: str) -> str | None:
        stored = target.etags.get(endpoint)
        if stored is None:
            return None
        if endpoint in SNAPSHOT_ENDPOINTS and stored.fetched_at.astimezone(UTC).date() != today:
            return None
        return stored.etag

    def call(endpoint: str, request: Callable[[], ApiResponse]) -> ApiResponse:
        before = client.attempts()
        try:
            response = request()
        finally:
            fetched.requests += client.attempts() - before
        if response.not_modified:
            fetched.not_modified += 1
        fetched.responses[endpoint] = response
        return response

    try:
        info = call(EP_REPO, lambda: client.repository(fetched.full_name, etag=etag_for(EP_REPO)))
        if info.status == 200:
            github_id = int(info.data["id"])
            if target.github_id is not None and github_id != target.github_id:
                fetched.responses.pop(EP_REPO)
                raise GitHubBadResponse(
                    f"{target.full_name} now names a different repository (GitHub id {github_id}, "
                    f"expected {target.github_id}); it was probably deleted and recreated"
                )
            fetched.github_id = github_id
            fetched.full_name = str(info.data["full_name"])
        name = fetched.full_name
        for endpoint, kind, per in (
            (EP_VIEWS_DAY, "views", "day"),
            (EP_CLONES_DAY, "clones", "day"),
            (EP_VIEWS_WEEK, "views", "week"),
            (EP_CLONES_WEEK, "clones", "week"),
        ):
            call(endpoint, lambda k=kind, p=per, e=endpoint: client.traffic(name, k, per=p, etag=etag_for(e)))
        for endpoint in (EP_REFERRERS, EP_PATHS):
            call(endpoint, lambda e=endpoint: client.popular(name, e, etag=etag_for(e)))
    except GitHubError as exc:
        fetched.error = exc
    except Exception as exc:  # a bug must fail one repository, not the run
        logger.exception("unexpected error collecting %s", target.full_name)
        fetched.error = GitHubError(f"unexpected error: {type(exc).__name__}")
    return fetched


# --- storing (calling thread: one transaction per repository) -------------------------------------
def _repo_store_safely(*, item: RunItem, fetched: RepoFetch, now: datetime) -> None:
    try:
        _repo_store(item=item, fetched=fetched, now=now)
    except IntegrityError as exc:
        if fetched.full_name.lower() == fetched.target.full_name.lower():
            raise_as = f"database error while storing: {type(exc).__name__}: {exc}"
        else:
            raise_as = (f"moved on GitHub to {fetched.full_name}, which this tenant already follows as another "
                        "repository; remove one of the two")
        _item_fail(item=item, status=RunItem.Status.FAILED, error=raise_as, now=now)
    except Exception as exc:
        logger.exception("storing %s failed", fetched.target.full_name)
        _item_fail(item=item, status=RunItem.Status.FAILED,
                   error=f"database error while storing: {type(exc).__name__}: {exc}", now=now)


def _repo_store(*, item: RunItem, fetched: RepoFetch, now: datetime) -> None:
    repo_id = fetched.target.repository_id
    responses = fetched.responses
    repo_fields: dict[str, Any] = {"last_collected_at": now}
    if fetched.github_id is not None and fetched.github_id != fetched.target.github_id:
        repo_fields["github_id"] = fetched.github_id
    if fetched.full_name != fetched.target.full_name:
        owner, name = fetched.full_name.split("/", 1)
        repo_fields.update(owner=owner, name=name)
    error = fetched.error
    if error is None:
        item.status, item.error = RunItem.Status.OK, ""
        repo_fields.update(last_success_at=now, last_error="")
    else:
        rate_limited = isinstance(error, GitHubRateLimited)
        item.status = RunItem.Status.SKIPPED if rate_limited else RunItem.Status.FAILED
        item.error = str(error)[:2000]
        repo_fields["last_error"] = item.error
    with transaction.atomic():
        # Write first: on SQLite a transaction that reads, then writes while another process has
        # committed meanwhile fails at once with "database is locked"; one that writes first waits.
        if not Repository.objects.filter(pk=repo_id).update(**repo_fields):
            # Removed while we fetched it (its run item went with it): nothing to store.
            return
        today = fetched.today
        days = 0
        # Only the ETag of a body that was merged may be kept: a later 304 stands for that body.
        merged: set[str] = set()
        if EP_VIEWS_DAY in responses and EP_CLONES_DAY in responses:
            days = _daily_store(repo_id=repo_id, today=today, views=responses[EP_VIEWS_DAY],
                                clones=responses[EP_CLONES_DAY])
            merged.update((EP_VIEWS_DAY, EP_CLONES_DAY))
        if EP_VIEWS_WEEK in responses and EP_CLONES_WEEK in responses:
            _weekly_store(repo_id=repo_id, today=today, views=responses[EP_VIEWS_WEEK],
                          clones=responses[EP_CLONES_WEEK])
            merged.update((EP_VIEWS_WEEK, EP_CLONES_WEEK))
        merged.update(ep for ep in (EP_REFERRERS, EP_PATHS, EP_REPO) if ep in responses)
        if EP_REFERRERS in responses and responses[EP_REFERRERS].status == 200:
            ReferrerSnapshot.objects.filter(repository_id=repo_id, date=today).delete()
            ReferrerSnapshot.objects.bulk_create([
                ReferrerSnapshot(repository_id=repo_id, date=today, referrer=str(row["referrer"])[:500],
                                 count=int(row["count"]), uniques=int(row["uniques"]))
                for row in responses[EP_REFERRERS].data
            ])
        if EP_PATHS in responses and responses[EP_PATHS].status == 200:
            PathSnapshot.objects.filter(repository_id=repo_id, date=today).delete()
            PathSnapshot.objects.bulk_create([
                PathSnapshot(repository_id=repo_id, date=today, path=str(row["path"])[:1000],
                             title=str(row.get("title", ""))[:1000], count=int(row["count"]),
                             uniques=int(row["uniques"]))
                for row in responses[EP_PATHS].data
            ])
        if EP_REPO in responses and responses[EP_REPO].status == 200:
            _metrics_store(repo_id=repo_id, today=today, data=responses[EP_REPO].data)
        # Dated by the collection day the bodies were stored under, not by the clock: a run crossing
        # midnight must not make tomorrow's snapshot look already stored.
        etag_time = now if now.astimezone(UTC).date() == today else datetime.combine(today, day_time.max, tzinfo=UTC)
        _etags_store(repo_id=repo_id, fetched=fetched, endpoints=merged, now=etag_time)

        item.finished_at = now
        item.api_requests, item.not_modified, item.days_stored = fetched.requests, fetched.not_modified, days
        RunItem.objects.filter(pk=item.pk).update(
            status=item.status, error=item.error, finished_at=now, api_requests=fetched.requests,
            not_modified=fetched.not_modified, days_stored=days)


def _window_counts(
    *, views: ApiResponse, clones: ApiResponse, today: date, window: Callable[[date], list[date]]
) -> dict[date, merge.Counts]:
    # A 304 means "same body as when the stored ETag was saved", and that body was merged then:
    # only the window's new keys (with no row yet) are unknown to us, and they are real zeros.
    v = merge.parse_buckets(views.data, "views") if views.status == 200 else {}
    c = merge.parse_buckets(clones.data, "clones") if clones.status == 200 else {}
    # If GitHub's day already turned over before our clock did, its window is the one to zero-fill.
    today = max([today, *v, *c])
    return merge.combine(v, c, sorted({*window(today), *v, *c}))


def _daily_store(*, repo_id: int, today: date, views: ApiResponse, clones: ApiResponse) -> int:
    return _buckets_store(model=DailyTraffic, key="date", window=merge.daily_window, repo_id=repo_id, today=today,
                          views=views, clones=clones)


def _weekly_store(*, repo_id: int, today: date, views: ApiResponse, clones: ApiResponse) -> int:
    return _buckets_store(model=WeeklyTraffic, key="week_start", window=merge.weekly_window, repo_id=repo_id,
                          today=today, views=views, clones=clones)


def _buckets_store(
    *,
    model: type[DailyTraffic] | type[WeeklyTraffic],
    key: str,
    window: Callable[[date], list[date]],
    repo_id: int,
    today: date,
    views: ApiResponse,
    clones: ApiResponse,
) -> int:
    fetched = _window_counts(views=views, clones=clones, today=today, window=window)
    rows = {
        getattr(row, key): row
        for row in model.objects.filter(
            repository_id=repo_id, **{f"{key}__gte": min(fetched), f"{key}__lte": max(fetched)}
        )
    }
    stored = {bucket: merge.Counts(*(getattr(row, f) for f in merge.FIELDS)) for bucket, row in rows.items()}
    create, update = merge.merge(stored, fetched)
    model.objects.bulk_create(
        [model(repository_id=repo_id, **{key: bucket}, **counts.as_dict()) for bucket, counts in create.items()]
    )
    changed = []
    for bucket, counts in update.items():
        row = rows[bucket]
        for name, value in counts.as_dict().items():
            setattr(row, name, value)
        changed.append(row)
    if changed:
        model.objects.bulk_update(changed, list(merge.FIELDS))
    return len(create) + len(update)


def _metrics_store(*, repo_id: int, today: date, data: dict[str, Any]) -> None:
    values = {
        "stars": max(int(data.get("stargazers_count") or 0), 0),
        "forks": max(int(data.get("forks_count") or 0), 0),
        "watchers": max(int(data.get("subscribers_count") or 0), 0),
        "open_issues": max(int(data.get("open_issues_count") or 0), 0),
        "size_kb": max(int(data.get("size") or 0), 0),
    }
    # The last collection of the day wins.
    if not RepositoryMetrics.objects.filter(repository_id=repo_id, date=today).update(**values):
        RepositoryMetrics.objects.create(repository_id=repo_id, date=today, **values)


def _etags_store(*, repo_id: int, fetched: RepoFetch, endpoints: set[str], now: datetime) -> None:
    known = fetched.target.etags
    create, update = [], []
    for endpoint, response in fetched.responses.items():
        if endpoint not in endpoints or response.status != 200 or not response.etag:
            continue
        existing = known.get(endpoint)
        if existing is None:
            create.append(EndpointETag(repository_id=repo_id, endpoint=endpoint, etag=response.etag[:200],
                                       fetched_at=now))
        else:
            existing.etag, existing.fetched_at = response.etag[:200], now
            update.append(existing)
    if create:
        EndpointETag.objects.bulk_create(create)
    if update:
        EndpointETag.objects.bulk_update(update, ["etag", "fetched_at"])
