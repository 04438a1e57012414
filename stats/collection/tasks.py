"""django-q2 task entry points. Tasks stay thin: load ids, call a service.

Queued by `stats.collection.scheduling`; run by `python manage.py qcluster` (stop it with SIGINT, not SIGTERM).
"""

from __future__ import annotations

from stats.collection import scheduling, services
from stats.models import CollectionRun


def collect_items(run_id: int, item_ids: list[int]) -> int:
    """Collect one batch of a run's items; the worker that finishes the last item finalizes the run."""
    return services.collection_items_collect(run_id=run_id, item_ids=item_ids)


def scheduled_collection() -> list[int]:
    """The daily Schedule: queue a run for every tenant with active repositories (throttled like pings)."""
    outcomes = scheduling.collection_request_all(trigger=CollectionRun.Trigger.SCHEDULE)
    return [outcome.run.pk for outcome in outcomes if outcome.run is not None]
