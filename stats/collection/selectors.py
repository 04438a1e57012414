"""Reads for the runs page and the runs API. Everything starts from a TenantAccess."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from stats.models import CollectionRun, RunItem
from tenants.access import TenantAccess

RUN_LIST_DEFAULT = 20
RUN_LIST_MAX = 100


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


def runs_progress(*, runs: list[CollectionRun]) -> dict[int, tuple[int, int]]:
    """(items done, items total) per run id, in one query: the live progress of active runs."""
    rows = (
        RunItem.objects.filter(run__in=[run.pk for run in runs])
        .values("run")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status__in=DONE_STATUSES)))
    )
    return {row["run"]: (row["done"], row["total"]) for row in rows}


def run_data(
    run: CollectionRun, *, access: TenantAccess, progress: tuple[int, int] | None = None
) -> dict[str, Any]:
    """A run as plain data (API and the runs page's polling script)."""
    done, total = progress if progress is not None else (0, run.repos_total)
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "status": run.status,
        "status_label": run.status_text,
        "active": run.is_active,
        "created": run.created,
        "started": run.started,
        "finished": run.finished,
        "repos_total": run.repos_total,
        "repos_ok": run.repos_ok,
        "repos_failed": run.repos_failed,
        "days_stored": run.days_stored,
        "api_requests": run.api_requests,
        "not_modified": run.not_modified,
        "items_done": done,
        "items_total": total,
        "rate_limit_remaining": run.rate_limit_remaining,
        "rate_limited_until": run.rate_limited_until,
        # The summaries may name repositories a limited viewer must not see.
        "error_summary": "" if access.is_limited else run.error_summary,
        "plan_mode": run.plan_mode,
        "plan_summary": "" if access.is_limited else run.plan_summary,
    }
