"""GitHub's `github-authentication-token-expiration` response header: when the token in use stops working.

GitHub sends it with every answer to a fine-grained personal access token and to a classic token created
with an expiry, as "2026-12-14 10:00:00 UTC" (older answers carry a numeric offset, "… -0700"). Tokens
without an expiry and GitHub App installation tokens (one hour, renewed by us) get no header.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

TOKEN_EXPIRATION_HEADER = "github-authentication-token-expiration"

_FORMATS = ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d")


def token_expiration_parse(value: str | None) -> datetime | None:
    """The header's instant in UTC, or None when absent or unreadable (never an error: it is advice)."""
    if not value:
        return None
    text = value.strip()
    for pattern in _FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if parsed.tzinfo is None:  # "%Z" accepts "UTC"/"GMT" but leaves the result naive
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


def token_expiration_of(headers: Mapping[str, str]) -> datetime | None:
    return token_expiration_parse(headers.get(TOKEN_EXPIRATION_HEADER))
