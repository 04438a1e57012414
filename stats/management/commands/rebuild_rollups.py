from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.collection.rollups import rollups_rebuild
from tenants.models import Tenant
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Recompute the traffic rollups (per tenant and day, per repository and month) from the stored daily "
        "traffic. The collection keeps them exact; use this after writing DailyTraffic by other means."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant.")

    @system_scope()  # scope: system work (every tenant, or the one named)
    def handle(self, *args: Any, tenant: str | None, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if tenant is not None:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"--tenant: unknown tenant {tenant!r}", returncode=2)
        for target in tenants:
            days = rollups_rebuild(tenant_ids=[target.pk])[target.pk]
            self.stdout.write(f"{target.slug}: {days} days rebuilt")
