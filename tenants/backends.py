"""Password login (local installs and the demo), throttled and switchable off by PASSWORD_LOGIN_ENABLED."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tenants.throttle import client_ip, login_failure_record, login_failures_clear, login_throttled


class PasswordBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if not settings.PASSWORD_LOGIN_ENABLED or username is None or password is None:
            return None
        ip = client_ip(request)
        if login_throttled(username=username, ip=ip):
            if request is not None:
                request.login_throttled = True  # type: ignore[attr-defined]  # read by LoginView
            # PermissionDenied stops django.contrib.auth.authenticate() from trying other backends.
            raise PermissionDenied("too many failed login attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip)
        else:
            login_failures_clear(username=username, ip=ip)
        return user
