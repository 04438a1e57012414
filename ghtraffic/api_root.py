"""`/api/v1/`: an index of the API's endpoints, with links to the OpenAPI schema and the docs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import URLPattern, URLResolver, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def endpoint_paths(patterns: Iterable[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, str]]:
    """(name, path template) of every named endpoint under `patterns`, `<slug:x>` written as `{x}`."""
    found: list[tuple[str, str]] = []
    for pattern in patterns:
        route = prefix + _CONVERTER.sub(r"{\1}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            found.extend(endpoint_paths(pattern.url_patterns, route))
        elif pattern.name and pattern.name != "api-root":
            found.append((pattern.name, route))
    return found


class APIRootView(APIView):
    """Public: says where things are, nothing about any tenant."""

    permission_classes = [AllowAny]
    patterns: list[URLPattern | URLResolver] = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri(reverse("api-root"))
        return Response(
            {
                "name": "ghtraffic API",
                "version": "v1",
                "schema": request.build_absolute_uri(reverse("api-schema")),
                "docs": request.build_absolute_uri(reverse("api-docs")),
                "authentication": "Authorization: Token <key> (create one on your profile page), or a session.",
                "endpoints": {name: base + route for name, route in endpoint_paths(self.patterns)},
            }
        )
