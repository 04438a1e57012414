"""django-q2 task entry points. Tasks stay thin: load ids, call a service.

Queued by `stats.collection.scheduling`; run by `python manage.py qcluster` (stop it with SIGINT, not SIGTERM).
"""

from __future__ import annotations

from stats.collection import scheduling, services
from stats.models import CollectionRun
from tenants.scoping import system_scope


# scope: django-q2 tasks are system work. The engine works on one run's rows by primary key; scopes stay
# off so its conditional UPDATEs (claims, lock) stay single-table, hence atomic (no tenant join).
@system_scope()
def collect_items(run_id: int, item_ids: list[int]) -> int:
    """Collect one batch of a run's items; the worker that finishes the last item finalizes the run."""
    return services.collection_items_collect(run_id=run_id, item_ids=item_ids)


@system_scope()  # scope: every tenant, on purpose
def scheduled_collection() -> list[int]:
    """The daily Schedule: queue a run for every tenant with active repositories (throttled like pings)."""
    outcomes = scheduling.collection_request_all(trigger=CollectionRun.Trigger.SCHEDULE)
    return [outcome.run.pk for outcome in outcomes if outcome.run is not None]
