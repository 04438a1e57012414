from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandParser

from stats.collection.freshness import WARN_DAYS, all_tenants_collection_risk
from stats.notify.services import warnings_notify
from stats.notify.warnings import tenant_warnings
from tenants.models import Membership, Role, Tenant
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = (
        f"Report tenants and repositories within {WARN_DAYS} days of losing traffic data, never collected, "
        "or whose last collection failed, and credential warnings (a token expiring within 14 days or expired, a "
        "suspended or revoked GitHub App, lost access). Exit 1 when anything is at risk (for monitoring), 0 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], metavar="SLUG", help="Only these tenants.")
        parser.add_argument("--email", action="store_true", help=(
            "Also e-mail each at-risk tenant's admins (credential warnings: each one once, like the hourly task)."))

    @system_scope()  # scope: system work (every tenant's freshness)
    def handle(self, *args: Any, tenant: list[str], email: bool, **options: Any) -> None:
        tenants = Tenant.objects.all()
        if tenant:
            tenants = tenants.filter(slug__in=tenant)
            unknown = sorted(set(tenant) - set(tenants.values_list("slug", flat=True)))
            if unknown:
                self.stderr.write(f"unknown tenant: {', '.join(unknown)}")
                raise SystemExit(2)
        risks = [risk for risk in all_tenants_collection_risk(tenants=tenants) if risk.at_risk]
        for risk in risks:
            self.stdout.write(risk.summary())
            if risk.over_capacity:
                self.stdout.write(f"  {risk.over_capacity}")
            for repository_risk in risk.repositories:
                self.stdout.write(f"  {repository_risk.repository.full_name}: {repository_risk.reason}")
            if email:
                self._email_admins(risk.tenant, risk.summary(), [r.reason for r in risk.repositories])
        warned = False
        for each in tenants.order_by("slug"):
            for warning in tenant_warnings(tenant=each):
                warned = True
                self.stdout.write(f"{each.slug}: {warning.message}")
                self.stdout.write(f"  fix: {warning.fix}")
            if email:
                warnings_notify(tenant=each)
        if risks or warned:
            raise SystemExit(1)
        self.stdout.write("all tenants collected in time")

    def _email_admins(self, tenant: Tenant, summary: str, reasons: list[str]) -> None:
        recipients = list(
            Membership.objects.filter(tenant=tenant, role=Role.ADMIN)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if recipients:
            body = summary + "\n\n" + "\n".join(reasons)
            send_mail(f"[ghtraffic] {tenant.name}: traffic data at risk", body, settings.DEFAULT_FROM_EMAIL, recipients)
