"""Password login (local installs and the demo), switchable off by PASSWORD_LOGIN_ENABLED.

Failed attempts are counted and locked out by django-axes (tenants/login_protection.py), whose backend
runs before this one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class PasswordBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if not settings.PASSWORD_LOGIN_ENABLED or username is None or password is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
