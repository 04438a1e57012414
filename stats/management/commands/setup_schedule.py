from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.collection.scheduling import SCHEDULE_NAME, InvalidSchedule, collection_schedule_ensure
from stats.notify.scheduling import notify_schedules_ensure
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Create or update the daily collection Schedule run by the django-q2 workers, from COLLECT_SCHEDULE "
        "(a 5-field cron expression in UTC, default '17 * * * *', hourly; 'off' removes it), and the notification "
        "schedules from NOTIFY_WARNINGS_SCHEDULE, NOTIFY_ALERTS_SCHEDULE and NOTIFY_DIGEST_SCHEDULE. Idempotent; "
        "`migrate` does the same."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cron", metavar="EXPR", help="Use this cron expression instead of COLLECT_SCHEDULE.")

    @system_scope()  # scope: system work (no tenant data; scopes off for anything the schedule code reads)
    def handle(self, *args: Any, cron: str | None, **options: Any) -> None:
        try:
            schedule, action = collection_schedule_ensure(cron=cron)
        except InvalidSchedule as exc:
            raise CommandError(f"--cron: {exc}" if cron is not None else str(exc), returncode=2) from None
        if schedule is None:
            self.stdout.write(f"{SCHEDULE_NAME}: {action} (collection is not scheduled)")
        else:
            self.stdout.write(f"{SCHEDULE_NAME}: {action}; cron '{schedule.cron}' (UTC), "
                              f"next run {schedule.next_run:%Y-%m-%d %H:%M} UTC")
        try:
            notifications = notify_schedules_ensure()
        except InvalidSchedule as exc:
            raise CommandError(str(exc), returncode=2) from None
        for name, each, what in notifications:
            when = f"; cron '{each.cron}' (UTC), next run {each.next_run:%Y-%m-%d %H:%M} UTC" if each else ""
            self.stdout.write(f"{name}: {what}{when}")
