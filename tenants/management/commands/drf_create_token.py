"""`manage.py drf_create_token USER`: same name and output as DRF's authtoken command, which scripts
parse ("Generated token <key> for user <USER>"). Tokens are stored hashed now, so an existing key cannot
be printed again: every call makes a new token (--reset first revokes the user's other tokens)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create an API token for a user and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", type=str)
        parser.add_argument(
            "-r", "--reset", action="store_true", dest="reset", help="Revoke the user's other API tokens first."
        )

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"Cannot create the Token: user {username} does not exist")
        if reset:
            api_token_revoke(user=user)
        _, key = api_token_create(user=user)
        self.stdout.write(f"Generated token {key} for user {username}")
