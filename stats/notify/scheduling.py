"""The notification schedules run by the django-q2 workers: credential warnings (hourly), traffic alerts
(daily) and the weekly digest (Mondays), each from a cron setting ("off" removes it). Kept in line with the
settings by `migrate` (post_migrate) and `setup_schedule`, like the collection schedule."""

from __future__ import annotations

from datetime import datetime

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_q.models import Schedule

from stats.collection.scheduling import SCHEDULE_OFF_VALUES, InvalidSchedule, schedule_cron_validate

# Schedule name → (task, the setting holding its cron expression).
SCHEDULES = {
    "ghtraffic credential warnings": ("stats.notify.tasks.credential_warnings", "NOTIFY_WARNINGS_SCHEDULE"),
    "ghtraffic traffic alerts": ("stats.notify.tasks.traffic_alerts", "NOTIFY_ALERTS_SCHEDULE"),
    "ghtraffic weekly digest": ("stats.notify.tasks.weekly_digest", "NOTIFY_DIGEST_SCHEDULE"),
}


def notify_schedules_ensure(
    *, now: datetime | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[str, Schedule | None, str]]:
    """Create, update or remove each notification Schedule to match its setting. Idempotent.
    Returns (name, schedule, action) per schedule; raises InvalidSchedule for a bad cron setting."""
    now = now or timezone.now()
    schedules = Schedule.objects.using(using)
    result = []
    for name, (func, setting) in SCHEDULES.items():
        raw = getattr(settings, setting)
        if raw.strip().lower() in SCHEDULE_OFF_VALUES:
            deleted, _ = schedules.filter(name=name).delete()
            result.append((name, None, "removed" if deleted else "absent"))
            continue
        cron = schedule_cron_validate(raw)
        existing = schedules.filter(name=name).first()
        wanted = (cron, func, Schedule.CRON)
        if existing is not None and (existing.cron, existing.func, existing.schedule_type) == wanted:
            result.append((name, existing, "unchanged"))
            continue
        schedule = existing or Schedule(name=name)
        schedule.func, schedule.schedule_type, schedule.cron, schedule.repeats = func, Schedule.CRON, cron, -1
        next_run = croniter(cron, now).get_next(datetime)
        schedule.next_run = next_run
        schedule.save(using=using)
        if schedule.next_run != next_run:  # Schedule.save() recomputes it from the wall clock; keep ours
            schedules.filter(pk=schedule.pk).update(next_run=next_run)
            schedule.next_run = next_run
        result.append((name, schedule, "updated" if existing else "created"))
    return result


def notify_schedules_post_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """post_migrate receiver: the notification schedules follow their settings on every migrate."""
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return  # django_q is not migrated (yet): nothing to schedule into
    try:
        notify_schedules_ensure(using=using)
    except InvalidSchedule as exc:
        raise ImproperlyConfigured(str(exc)) from None
