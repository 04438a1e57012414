"""The runs page, one run's page and the "Collect now" button (maintainers and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from stats.collection import scheduling
from stats.collection import selectors as run_selectors
from stats.collection.workers import worker_seen_recently
from stats.models import CollectionRun
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role

RUNS_PAGE_SIZE = 50


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _worker_context(*, runs: list[CollectionRun]) -> dict[str, bool]:
    """Whether a worker was seen lately, and whether a queued run waits in vain for one."""
    alive = worker_seen_recently()
    queued = any(run.status == CollectionRun.Status.QUEUED for run in runs)
    return {"workers_alive": alive, "waiting_for_worker": queued and not alive}


@require_GET
def run_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = _access(request)
    runs = run_selectors.runs_recent(access=access, limit=RUNS_PAGE_SIZE)
    counts = run_selectors.runs_counts(access=access, runs=runs)
    rows = [{"run": run, "counts": counts[run.pk]} for run in runs]
    return render(
        request,
        "stats/runs.html",
        {
            "access": access,
            "rows": rows,
            "can_collect": access.has_role(Role.MAINTAINER),
            "any_active": any(run.is_active for run in runs),
            **_worker_context(runs=runs),
        },
    )


@require_GET
def run_detail(request: HttpRequest, tenant_slug: str, run_id: int) -> HttpResponse:
    access = _access(request)
    run = run_selectors.run_get(access=access, run_id=run_id)
    if run is None:
        raise Http404("No such run")
    items = list(run_selectors.run_items(access=access, run=run))
    done = sum(1 for item in items if item.status in run_selectors.DONE_STATUSES)
    # A limited viewer sees counts and errors of their own repositories only.
    counts = run_selectors.runs_counts(access=access, runs=[run])[run.pk]
    return render(
        request,
        "stats/runs_detail.html",
        {
            "access": access,
            "run": run,
            "items": items,
            "done": done,
            "can_collect": access.has_role(Role.MAINTAINER),
            "counts": counts,
            "error_summary": run_selectors.runs_error_summaries(access=access, runs=[run])[run.pk],
            **_worker_context(runs=[run]),
        },
    )


@require_POST
@tenant_role_required(Role.MAINTAINER)
def collect_now(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = _access(request)
    run, message = scheduling.collection_request(tenant=access.tenant, trigger=CollectionRun.Trigger.UI)
    if run is None:
        messages.info(request, f"Nothing queued: {message}.")
        return redirect("runs", tenant_slug=access.tenant.slug)
    messages.success(request, f"Collection queued: {message}.")
    return redirect("run-detail", tenant_slug=access.tenant.slug, run_id=run.pk)
