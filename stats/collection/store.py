"""Storing one fetched repository: one short transaction, per-field maximum merges, ETags last."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any

from django.db import IntegrityError, transaction

from repos.github import ApiResponse, ErrorCode, GitHubRateLimited
from repos.models import EndpointETag, Repository
from repos.services import RepositoryNameInvalid, split_full_name
from stats.collection import merge, optional, rollups
from stats.collection.fetch import (
    EP_CLONES_DAY,
    EP_CLONES_WEEK,
    EP_PATHS,
    EP_REFERRERS,
    EP_RELEASES,
    EP_REPO,
    EP_VIEWS_DAY,
    EP_VIEWS_WEEK,
    RepoFetch,
)
from stats.collection.store_releases import releases_store
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, RunItem, WeeklyTraffic

logger = logging.getLogger(__name__)


def item_fail(*, item: RunItem, status: str, error: str, code: ErrorCode, now: datetime) -> None:
    item.status, item.error, item.error_code, item.finished_at = status, error[:2000], code, now
    # The item is gone with its repository when that was removed meanwhile: nothing to record.
    RunItem.objects.filter(pk=item.pk).update(status=status, error=error[:2000], error_code=code, finished_at=now)
    Repository.objects.filter(pk=item.repository_id).update(
        last_collected_at=now, last_error=error[:2000], last_error_code=code
    )


def repository_store(*, item: RunItem, fetched: RepoFetch, now: datetime) -> None:
    try:
        _repo_store(item=item, fetched=fetched, now=now)
    except RepositoryNameInvalid as exc:
        item_fail(item=item, status=RunItem.Status.FAILED, error=f"GitHub sent an invalid name: {exc}",
                  code=ErrorCode.BAD_RESPONSE, now=now)
    except IntegrityError as exc:
        if fetched.full_name.lower() == fetched.target.full_name.lower():
            raise_as, code = f"database error while storing: {type(exc).__name__}: {exc}", ErrorCode.STORE_FAILED
        else:
            raise_as = (f"moved on GitHub to {fetched.full_name}, which this tenant already follows as another "
                        "repository; remove one of the two")
            code = ErrorCode.RENAME_CONFLICT
        item_fail(item=item, status=RunItem.Status.FAILED, error=raise_as, code=code, now=now)
    except Exception as exc:
        logger.exception("storing %s failed", fetched.target.full_name)
        item_fail(item=item, status=RunItem.Status.FAILED, code=ErrorCode.STORE_FAILED,
                  error=f"database error while storing: {type(exc).__name__}: {exc}", now=now)


def _repo_store(*, item: RunItem, fetched: RepoFetch, now: datetime) -> None:
    repo_id = fetched.target.repository_id
    responses = fetched.responses
    repo_fields: dict[str, Any] = {"last_collected_at": now}
    if fetched.github_id is not None and fetched.github_id != fetched.target.github_id:
        repo_fields["github_id"] = fetched.github_id
    if fetched.node_id and fetched.node_id != fetched.target.node_id:
        repo_fields["node_id"] = fetched.node_id
    if fetched.full_name != fetched.target.full_name:
        # fetch.py already refused names that cannot be routed; this raises rather than store one.
        owner, name = split_full_name(fetched.full_name)
        repo_fields.update(owner=owner, name=name)
    error = fetched.error
    if error is None:
        item.status, item.error, item.error_code = RunItem.Status.OK, "", ""
        repo_fields.update(last_success_at=now, last_error="", last_error_code="")
    else:
        rate_limited = isinstance(error, GitHubRateLimited)
        item.status = RunItem.Status.SKIPPED if rate_limited else RunItem.Status.FAILED
        item.error, item.error_code = str(error)[:2000], error.code
        repo_fields.update(last_error=item.error, last_error_code=item.error_code)
    repo_fields.update(_fetched_on(responses=responses, today=fetched.today))
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
            days = _daily_store(repo_id=repo_id, tenant_id=item.repository.tenant_id, today=today,
                                views=responses[EP_VIEWS_DAY], clones=responses[EP_CLONES_DAY])
            merged.update((EP_VIEWS_DAY, EP_CLONES_DAY))
        if EP_VIEWS_WEEK in responses and EP_CLONES_WEEK in responses:
            _weekly_store(repo_id=repo_id, today=today, views=responses[EP_VIEWS_WEEK],
                          clones=responses[EP_CLONES_WEEK])
            merged.update((EP_VIEWS_WEEK, EP_CLONES_WEEK))
        merged.update(ep for ep in (EP_REFERRERS, EP_PATHS, EP_REPO) if ep in responses)
        _snapshots_store(
            repo_id=repo_id, today=today,
            referrers=responses[EP_REFERRERS].data if EP_REFERRERS in responses
            and responses[EP_REFERRERS].status == 200 else None,
            paths=responses[EP_PATHS].data if EP_PATHS in responses and responses[EP_PATHS].status == 200 else None,
        )
        if EP_RELEASES in responses and responses[EP_RELEASES].status == 200:
            releases_store(repo_id=repo_id, today=today, response=responses[EP_RELEASES])
        if EP_REPO in responses and responses[EP_REPO].status == 200:
            _metrics_store(repo_id=repo_id, today=today, data=responses[EP_REPO].data)
        optional.optional_store(repo_id=repo_id, fetched=fetched.optional, today=today)
        # Dated by the collection day the bodies were stored under, not by the clock: a run crossing
        # midnight must not make tomorrow's snapshot look already stored.
        etag_time = now if now.astimezone(UTC).date() == today else datetime.combine(today, day_time.max, tzinfo=UTC)
        _etags_store(repo_id=repo_id, fetched=fetched, endpoints=merged, now=etag_time)

        item.finished_at = now
        item.api_requests, item.not_modified, item.days_stored = fetched.requests, fetched.not_modified, days
        RunItem.objects.filter(pk=item.pk).update(
            status=item.status, error=item.error, error_code=item.error_code, finished_at=now,
            api_requests=fetched.requests,
            not_modified=fetched.not_modified, days_stored=days)


# Which endpoints make a group fetched (a 304 counts: it says the stored body is still GitHub's).
_GROUP_ENDPOINTS = {
    "metadata_fetched_on": (EP_REPO,),
    "day_series_fetched_on": (EP_VIEWS_DAY, EP_CLONES_DAY),
    "week_series_fetched_on": (EP_VIEWS_WEEK, EP_CLONES_WEEK),
    "popular_fetched_on": (EP_REFERRERS, EP_PATHS),
    "releases_fetched_on": (EP_RELEASES,),
}


def _snapshots_store(*, repo_id: int, today: date, referrers: list | None, paths: list | None) -> None:
    """Today's top-10 snapshots (replacing today's, if stored earlier) and the repository's latest-snapshot dates."""
    if referrers is not None:
        ReferrerSnapshot.objects.filter(repository_id=repo_id, date=today).delete()
        ReferrerSnapshot.objects.bulk_create([
            ReferrerSnapshot(repository_id=repo_id, date=today, referrer=str(row["referrer"])[:500],
                             count=int(row["count"]), uniques=int(row["uniques"]))
            for row in referrers
        ])
    if paths is not None:
        PathSnapshot.objects.filter(repository_id=repo_id, date=today).delete()
        PathSnapshot.objects.bulk_create([
            PathSnapshot(repository_id=repo_id, date=today, path=str(row["path"])[:1000],
                         title=str(row.get("title", ""))[:1000], count=int(row["count"]),
                         uniques=int(row["uniques"]))
            for row in paths
        ])
    if referrers is not None or paths is not None:
        # Same transaction as the snapshot rows: the dashboard's top lists read through this pointer.
        rollups.latest_snapshot_note(repo_id=repo_id)


def _fetched_on(*, responses: dict[str, ApiResponse], today: date) -> dict[str, date]:
    """The groups whose every endpoint answered (the store merges each of them): fetched today."""
    return {name: today for name, endpoints in _GROUP_ENDPOINTS.items() if all(ep in responses for ep in endpoints)}


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


def _daily_store(*, repo_id: int, tenant_id: int, today: date, views: ApiResponse, clones: ApiResponse) -> int:
    def rollups_apply(stored: dict[date, merge.Counts], create: dict[date, merge.Counts],
                      update: dict[date, merge.Counts]) -> None:
        # Same transaction as the daily rows: the rollups move with them or not at all.
        rollups.daily_changes_apply(tenant_id=tenant_id, repo_id=repo_id, stored=stored, create=create, update=update)

    return _buckets_store(model=DailyTraffic, key="date", window=merge.daily_window, repo_id=repo_id, today=today,
                          views=views, clones=clones, on_change=rollups_apply)


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
    on_change: Callable[[dict[date, merge.Counts], dict[date, merge.Counts], dict[date, merge.Counts]], None]
    | None = None,
) -> int:
    fetched = _window_counts(views=views, clones=clones, today=today, window=window)
    create, update = _counts_store(model=model, key=key, repo_id=repo_id, fetched=fetched, on_change=on_change)
    return len(create) + len(update)


def _counts_store(
    *,
    model: type[DailyTraffic] | type[WeeklyTraffic],
    key: str,
    repo_id: int,
    fetched: dict[date, merge.Counts],
    on_change: Callable[[dict[date, merge.Counts], dict[date, merge.Counts], dict[date, merge.Counts]], None]
    | None = None,
    create_missing: bool = True,
) -> tuple[dict[date, merge.Counts], dict[date, merge.Counts]]:
    if not fetched:
        return {}, {}
    rows = {
        getattr(row, key): row
        for row in model.objects.filter(
            repository_id=repo_id, **{f"{key}__gte": min(fetched), f"{key}__lte": max(fetched)}
        )
    }
    stored = {bucket: merge.Counts(*(getattr(row, f) for f in merge.FIELDS)) for bucket, row in rows.items()}
    if not create_missing:
        fetched = {bucket: counts for bucket, counts in fetched.items() if bucket in stored}
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
    if on_change is not None and (create or update):
        on_change(stored, create, update)
    return create, update


def daily_counts_merge(
    *, repo_id: int, tenant_id: int, counts: dict[date, merge.Counts], create_missing: bool = True
) -> tuple[int, int]:
    """Merge known daily counts into a repository's rows exactly as a collection does (per-field maximum,
    rollups moved in the caller's transaction); `create_missing=False` only raises rows already stored
    (for counts that know one side of a day only). Returns (rows created, rows raised)."""

    def rollups_apply(stored: dict[date, merge.Counts], create: dict[date, merge.Counts],
                      update: dict[date, merge.Counts]) -> None:
        rollups.daily_changes_apply(tenant_id=tenant_id, repo_id=repo_id, stored=stored, create=create, update=update)

    create, update = _counts_store(model=DailyTraffic, key="date", repo_id=repo_id, fetched=counts,
                                   on_change=rollups_apply, create_missing=create_missing)
    return len(create), len(update)


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
