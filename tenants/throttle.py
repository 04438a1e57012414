"""Login throttling: at most LOGIN_FAILURE_LIMIT failed password logins per username and client IP
within LOGIN_FAILURE_WINDOW seconds. Counted in Django's cache (per process with the default
LocMemCache; configure a shared cache when running several web processes)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return str(request.META.get("REMOTE_ADDR") or "-")


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_throttled(*, username: str, ip: str) -> bool:
    return int(cache.get(_key(username, ip), 0)) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(*, username: str, ip: str) -> int:
    key = _key(username, ip)
    # add() starts the window on the first failure; later failures do not extend it.
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def login_failures_clear(*, username: str, ip: str) -> None:
    cache.delete(_key(username, ip))
