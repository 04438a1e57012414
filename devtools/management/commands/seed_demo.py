from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from devtools.demo import DEMO_PASSWORD, DEMO_TENANT_SLUG, DEMO_USERNAME, demo_data_seed
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = "Create a demo tenant with sample repositories and a year of generated traffic (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=365, help="Days of history to generate (default 365).")

    @system_scope()  # scope: system work (seeds the demo tenant's rows)
    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if not 1 <= days <= 3650:
            self.stderr.write("--days must be between 1 and 3650")
            raise SystemExit(2)
        summary = demo_data_seed(today=timezone.now().date(), days=days)
        if summary.created:
            self.stdout.write(
                f"Demo tenant '{DEMO_TENANT_SLUG}': {summary.repositories} repositories, "
                f"{summary.daily_rows} days of traffic."
            )
        else:
            self.stdout.write(f"Demo tenant '{DEMO_TENANT_SLUG}' already has data; nothing changed.")
        self.stdout.write(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
