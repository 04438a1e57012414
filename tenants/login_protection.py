"""Password-login lock-out with django-axes: the hooks ghtraffic plugs into it (see settings "AXES_*").

Failures are stored in the database (axes' AccessAttempt), so every web process and machine counts
the same failures. Two limits apply, both within LOGIN_FAILURE_WINDOW seconds of the last failure:
- LOGIN_FAILURE_LIMIT failures for one username from one client address lock that pair;
- LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one address, whatever the usernames, lock the address
  (password spraying: a few guesses against many accounts).
The client address comes from `client_address`, which trusts X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT proxies go.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse

LOCKED_OUT_MESSAGE = "Too many failed login attempts. Try again later."


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with N trusted proxies the N-th X-Forwarded-For entry
    from the right (each proxy appends the address it was connected from; entries further left come
    from the client and prove nothing). A header shorter than that, or an entry that is not an IP
    address, falls back to REMOTE_ADDR."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    entries = [item for item in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if item.strip()]
    if len(entries) < proxies:
        return remote
    return _valid_address(entries[-proxies]) or remote


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Usernames are counted case-insensitively: "Alice" and "alice" share one count."""
    username = (credentials or {}).get("username")
    if username is None and request is not None and hasattr(request, "POST"):
        username = request.POST.get("username")
    return str(username).strip().lower() if username else None


def not_a_password_login(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """Only password logins are counted: an OIDC callback carries no username (the provider does its
    own protection), and a lock-out must not stop single sign-on."""
    return not (credentials or {}).get("username")


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    return int(settings.LOGIN_FAILURE_LIMIT)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    return timedelta(seconds=int(settings.LOGIN_FAILURE_WINDOW))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """429 for a locked-out login. Our login page already renders its own 429 with the form."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return HttpResponse(LOCKED_OUT_MESSAGE, status=429, content_type="text/plain; charset=utf-8")


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend (first in AUTHENTICATION_BACKENDS: refuses locked-out logins before any password
    check), except that an authenticate() without a request (a shell, a script) is not counted: there
    is no client address to count it against. Every web login passes its request."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with a second, higher limit for one address across usernames.

    AXES_LOCKOUT_PARAMETERS is `[["username", "ip_address"], "ip_address"]`, so `get_user_attempts`
    gives the pair's attempts first and the address's second.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures counted against LOGIN_FAILURE_LIMIT (which axes compares this with): the pair's,
        or the limit itself when the address is over its own limit."""
        pair, address = (self._failures_in(attempts) for attempts in self.get_user_attempts(request, credentials))
        if address >= int(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
            return max(pair, int(settings.LOGIN_FAILURE_LIMIT))
        return pair

    @staticmethod
    def _failures_in(attempts: Any) -> int:
        return sum(attempts.values_list("failures_since_start", flat=True))

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """A successful login clears its own username+address count only: logging in to one's own
        account must not wipe the address's failures against other accounts."""
        pair_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair_attempts.delete()
        return count
