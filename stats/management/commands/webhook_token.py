from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.collection.webhook import DEFAULT_TOKEN_DAYS, webhook_token_expiry, webhook_token_make
from tenants.models import Tenant
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Print a token for POST /hooks/collect/ (send it as 'Authorization: Bearer <token>' or as "
        '{"token": "<token>"} in the JSON body). Signed with WEBHOOK_SECRET: changing the secret revokes '
        "every token (see README for a rotation without a gap). The token expires after --days days "
        f"(default {DEFAULT_TOKEN_DAYS}); its expiry is printed on stderr. With --tenant the token can only "
        "collect that tenant."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Limit the token to this tenant.")
        parser.add_argument(
            "--days", type=int, default=DEFAULT_TOKEN_DAYS, metavar="N", help="Days the token stays valid."
        )

    @system_scope()  # scope: system work (looks up any tenant by slug)
    def handle(self, *args: Any, tenant: str | None, days: int, **options: Any) -> None:
        if not settings.WEBHOOK_SECRET:
            raise CommandError("WEBHOOK_SECRET is not set: set it (a long random string) first", returncode=2)
        if days < 1:
            raise CommandError("--days must be at least 1", returncode=2)
        target = None
        if tenant is not None:
            target = Tenant.objects.filter(slug=tenant).first()
            if target is None:
                raise CommandError(f"--tenant: unknown tenant {tenant!r}", returncode=2)
        token = webhook_token_make(tenant=target, days=days)
        expires = webhook_token_expiry(token, secret=settings.WEBHOOK_SECRET)
        self.stdout.write(token)
        self.stderr.write(f"valid until {expires:%Y-%m-%d %H:%M} UTC")
