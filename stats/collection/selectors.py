"""Reads for the runs page and the runs API. Everything starts from a TenantAccess."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from stats.models import CollectionRun, RunItem
from tenants.access import TenantAccess

RUN_LIST_DEFAULT = 20
RUN_LIST_MAX = 100
ERROR_LINES_MAX = 100  # like the stored summary


def runs_recent(*, access: TenantAccess, limit: int = RUN_LIST_DEFAULT) -> list[CollectionRun]:
    return list(CollectionRun.objects.filter(tenant=access.tenant).order_by("-created", "-pk")[:limit])


def run_get(*, access: TenantAccess, run_id: int) -> CollectionRun | None:
    return CollectionRun.objects.filter(tenant=access.tenant, pk=run_id).first()


def run_items(*, access: TenantAccess, run: CollectionRun) -> QuerySet[RunItem]:
    """The run's items, limited to the repositories this user may see."""
    return (
        RunItem.objects.filter(run=run, repository__in=access.repositories())
        .select_related("repository")
        .order_by("repository__owner", "repository__name")
    )


DONE_STATUSES = (RunItem.Status.OK, RunItem.Status.FAILED, RunItem.Status.SKIPPED)
FAILED_ITEM_STATUSES = (RunItem.Status.FAILED, RunItem.Status.SKIPPED)


@dataclass(frozen=True)
class RunCounts:
    """A run's figures as one viewer may see them: the whole run, or only a limited viewer's repositories."""

    repos_total: int
    repos_ok: int
    repos_failed: int
    days_stored: int
    api_requests: int
    not_modified: int
    # Live progress: items finished so far, of `repos_total`.
    items_done: int


def _items_counts(items: QuerySet[RunItem]) -> dict[int, RunCounts]:
    rows = items.values("run").annotate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
        ok=Count("pk", filter=Q(status=RunItem.Status.OK)),
        failed=Count("pk", filter=Q(status__in=FAILED_ITEM_STATUSES)),
        days=Sum("days_stored"),
        requests=Sum("api_requests"),
        not_modified=Sum("not_modified"),
    )
    return {
        row["run"]: RunCounts(
            repos_total=row["total"], repos_ok=row["ok"], repos_failed=row["failed"], days_stored=row["days"] or 0,
            api_requests=row["requests"] or 0, not_modified=row["not_modified"] or 0, items_done=row["done"],
        )
        for row in rows
    }


def runs_counts(*, access: TenantAccess, runs: list[CollectionRun]) -> dict[int, RunCounts]:
    """Counts per run id, in one query. A limited viewer gets sums over their repositories' items only
    (never the tenant-wide totals); everyone else the run's own totals, with live progress for active runs."""
    items = RunItem.objects.filter(run__in=[run.pk for run in runs])
    if access.is_limited:
        visible = _items_counts(items.filter(repository__in=access.repositories()))
        return {run.pk: visible.get(run.pk, RunCounts(0, 0, 0, 0, 0, 0, 0)) for run in runs}
    active = [run.pk for run in runs if run.is_active]
    progress = _items_counts(items.filter(run__in=active)) if active else {}
    counts = {}
    for run in runs:
        live = progress.get(run.pk)
        counts[run.pk] = RunCounts(
            repos_total=live.repos_total if live else run.repos_total,
            repos_ok=run.repos_ok,
            repos_failed=run.repos_failed,
            days_stored=run.days_stored,
            api_requests=run.api_requests,
            not_modified=run.not_modified,
            items_done=live.items_done if live else (0 if run.is_active else run.repos_total),
        )
    return counts


def runs_error_summaries(*, access: TenantAccess, runs: list[CollectionRun]) -> dict[int, str]:
    """Errors per run id: the stored summaries, or for a limited viewer one line per failed item of
    their own repositories (in one query: the stored summary names repositories they must not see)."""
    if not access.is_limited:
        return {run.pk: run.error_summary for run in runs}
    lines: dict[int, list[str]] = {run.pk: [] for run in runs}
    failed = (
        RunItem.objects.filter(run__in=list(lines), repository__in=access.repositories())
        .filter(status__in=FAILED_ITEM_STATUSES)
        .exclude(error="")
        .order_by("repository__owner", "repository__name")
        .values_list("run", "repository__owner", "repository__name", "error")
    )
    for run_id, owner, name, error in failed:
        if len(lines[run_id]) < ERROR_LINES_MAX:
            lines[run_id].append(f"{owner}/{name}: {error}")
    return {run_id: "\n".join(run_lines) for run_id, run_lines in lines.items()}


def run_data(run: CollectionRun, *, counts: RunCounts, error_summary: str, limited: bool) -> dict[str, Any]:
    """A run as plain data (API and the runs page's polling script), with the viewer's counts and errors
    (`limited`: a repository-limited viewer, who does not get the plan's summary naming repositories)."""
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "status": run.status,
        "status_label": run.status_text,
        "active": run.is_active,
        "created": run.created,
        "started": run.started,
        "finished": run.finished,
        "repos_total": counts.repos_total,
        "repos_ok": counts.repos_ok,
        "repos_failed": counts.repos_failed,
        "days_stored": counts.days_stored,
        "api_requests": counts.api_requests,
        "not_modified": counts.not_modified,
        "items_done": counts.items_done,
        "items_total": counts.repos_total,
        "rate_limit_remaining": run.rate_limit_remaining,
        "rate_limited_until": run.rate_limited_until,
        # Limited viewers get only their repositories' lines (see runs_error_summaries); the plan's
        # summary names repositories, so they do not get it.
        "error_summary": error_summary,
        "plan_mode": run.plan_mode,
        "plan_summary": "" if limited else run.plan_summary,
    }
