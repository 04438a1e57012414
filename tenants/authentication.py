"""API token authentication: `Authorization: Token <key>`, keys stored only as SHA-512 digests
(django-rest-knox), each with an expiry (API_TOKEN_TTL_DAYS)."""

from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> Any:
        # A header value that is not UTF-8 (latin-1 bytes) is a bad token, not a server error.
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)
