"""`manage.py reencrypt_tokens`: re-encrypt stored GitHub tokens with the newest FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.crypto import SecretDecryptionError
from tenants.key_rotation import github_credentials_reencrypt
from tenants.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored GitHub token with the first key of FIELD_ENCRYPTION_KEY "
        "(run after putting a new key first; then the old keys can be removed)."
    )

    @system_scope()  # scope: system work (re-encrypts every tenant's credential)
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = github_credentials_reencrypt()
        except SecretDecryptionError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(f"re-encrypted {count} GitHub token(s) with the newest key")
