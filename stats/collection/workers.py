"""Is a django-q2 worker (`manage.py qcluster`) running? For the runs pages and the runs API.

Queued runs wait for a worker; without one they would show "Queued" forever. Three signs of life,
any is enough:

- **The heartbeat schedule** (any broker): a django-q2 Schedule due every minute. The scheduler that
  runs inside every `qcluster` (about every 30 seconds) moves its `next_run` past now each time it is
  due, so a `next_run` long in the past means no cluster has run its scheduler lately. It is a
  database row, seen by every process; the task it queues does nothing and keeps no result.
- **A task finished lately** (any broker): django-q2 records every finished task in the database
  (successes up to its save limit, failures always), a collection batch included. This covers the
  first half minute of a new cluster, before its scheduler first fires the heartbeat.
- **django-q2's cluster status** (`Stat`, saved every half second with a 3 second expiry): immediate,
  but it lives in the broker's cache, which every process shares with the Redis broker only. With the
  ORM broker it is Django's cache, local to each process by default, so the web cannot see it there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Task
from django_q.status import Stat

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "stats.collection.workers.worker_heartbeat"
HEARTBEAT_SCHEDULE_NAME = "ghtraffic worker heartbeat"
# A live cluster keeps next_run within about a minute (its scheduler runs every 30-60 s) of now; allow for a busy
# machine and a cluster that has just started (its first scheduler pass comes 30 s after start).
WORKER_SEEN_WINDOW = timedelta(seconds=180)
WORKER_MISSING_MESSAGE = "No worker is running: start one with `python manage.py qcluster` (see README, Deployment)."


def worker_heartbeat() -> None:
    """The heartbeat schedule's task: nothing to do, the scheduler firing the schedule is the heartbeat."""


def worker_heartbeat_schedule_ensure(*, using: str = DEFAULT_DB_ALIAS, now: datetime | None = None) -> Schedule:
    """Create the heartbeat schedule if it is missing; an existing one is left alone (its next_run is the signal)."""
    schedules = Schedule.objects.using(using)
    existing = schedules.filter(name=HEARTBEAT_SCHEDULE_NAME).first()
    if existing is not None:
        return existing
    # Created "last seen long ago": no worker counts as seen before a scheduler has fired it once.
    next_run = (now or timezone.now()) - 2 * WORKER_SEEN_WINDOW
    schedule = schedules.create(
        name=HEARTBEAT_SCHEDULE_NAME,
        func=HEARTBEAT_TASK,
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=next_run,
        # Keep no Task row per minute: it would push real results out of django-q2's save limit.
        kwargs=repr({"q_options": {"save": False}}),
    )
    return schedule


def _cluster_status_seen() -> bool:
    """Whether the broker's cache holds the status of a running cluster (shared with the Redis broker)."""
    try:
        return any(str(stat.status) != str(Conf.STOPPED) for stat in Stat.get_all())
    except Exception:  # broker unreachable: the other sign decides
        logger.debug("could not read django-q2 cluster status", exc_info=True)
        return False


def worker_seen_recently(*, now: datetime | None = None) -> bool:
    """True when a `qcluster` showed a sign of life within WORKER_SEEN_WINDOW (or is running right now)."""
    now = now or timezone.now()
    next_run = Schedule.objects.filter(name=HEARTBEAT_SCHEDULE_NAME).values_list("next_run", flat=True).first()
    if next_run is not None and next_run >= now - WORKER_SEEN_WINDOW:
        return True
    if Task.objects.filter(stopped__gte=now - WORKER_SEEN_WINDOW, stopped__lte=now).exists():
        return True
    return _cluster_status_seen()
