"""What GitHub last said about one credential's rate budget (x-ratelimit-* headers), shared by every
thread using the credential."""

from __future__ import annotations

import threading
from datetime import datetime

import requests

from repos.github_token_expiry import token_expiration_of


class RateBudget:
    """What GitHub last said about one credential's budget, shared by every thread using it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.remaining: int | None = None
        # The credential's hourly budget (5,000 for a token; up to 12,500 for an App installation).
        self.limit: int | None = None
        self.reset_at: float | None = None
        # Set when a wait is too long to sleep through: every later request stops at once.
        self.blocked_until: float | None = None
        # When the token expires, as GitHub's `github-authentication-token-expiration` header last said.
        self.token_expires_at: datetime | None = None

    def observe(self, headers: requests.structures.CaseInsensitiveDict) -> None:
        remaining = int_header(headers, "x-ratelimit-remaining")
        limit = int_header(headers, "x-ratelimit-limit")
        reset = int_header(headers, "x-ratelimit-reset")
        expires_at = token_expiration_of(headers)
        with self._lock:
            if expires_at is not None:
                self.token_expires_at = expires_at
            if remaining is not None:
                self.remaining = remaining
            if limit is not None:
                self.limit = limit
            if reset is not None:
                self.reset_at = float(reset)

    def block(self, until: float) -> None:
        with self._lock:
            self.blocked_until = max(self.blocked_until or 0.0, until)

    def waited(self) -> None:
        """We slept until the reset GitHub named: what we knew of the budget is stale now."""
        with self._lock:
            self.remaining = None
            self.blocked_until = None

    def exhausted_until(self, now: float) -> float | None:
        """When the budget is known to be spent, the epoch at which it comes back."""
        with self._lock:
            if self.blocked_until is not None and self.blocked_until > now:
                return self.blocked_until
            if self.remaining == 0 and self.reset_at is not None and self.reset_at > now:
                return self.reset_at
        return None


def int_header(headers: requests.structures.CaseInsensitiveDict, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None
