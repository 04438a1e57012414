"""django-q2 task entry points. Tasks stay thin: load ids, call a service.

Queued by `stats.collection.scheduling`; run by `python manage.py qcluster` (stop it with SIGINT, not SIGTERM).
"""

from __future__ import annotations

from stats.collection import scheduling, services
from stats.models import CollectionRun
from tenants.models import Tenant
from tenants.scoping import system_scope


# scope: django-q2 tasks are system work. The engine works on one run's rows by primary key; scopes stay
# off so its conditional UPDATEs (claims, lock) stay single-table, hence atomic (no tenant join).
@system_scope()
def collect_items(run_id: int, item_ids: list[int]) -> int:
    """Collect one batch of a run's items; the worker that finishes the last item finalizes the run
    (and, when GitHub's rate limit stopped it, schedules its continuation after the reset)."""
    done = services.collection_items_collect(run_id=run_id, item_ids=item_ids)
    run = CollectionRun.objects.filter(pk=run_id).first()
    if run is not None and not run.is_active:
        scheduling.collection_resume_schedule(run=run)
    return done


@system_scope()  # scope: system work, for the tenant named by id
def resume_collection(tenant_id: int) -> int | None:
    """After a rate-limit reset: plan and queue the tenant's next run (what is most at risk first)."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return None
    run, _message = scheduling.collection_request(tenant=tenant, trigger=CollectionRun.Trigger.RESUME)
    return None if run is None else run.pk


@system_scope()  # scope: every tenant, on purpose
def scheduled_collection() -> list[int]:
    """The daily Schedule: queue a run for every tenant with active repositories (throttled like pings)."""
    outcomes = scheduling.collection_request_all(trigger=CollectionRun.Trigger.SCHEDULE)
    return [outcome.run.pk for outcome in outcomes if outcome.run is not None]
