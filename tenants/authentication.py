"""API token authentication: `Authorization: Token <key>`, keys stored only as SHA-512 digests
(django-rest-knox), each with an expiry (API_TOKEN_TTL_DAYS)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
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


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme (same name and header as DRF's token scheme before)."""

    target_class = "tenants.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'API token from your profile page, sent as "Token <key>".',
        }
