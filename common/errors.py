"""The one API error contract: every error is `{"error": "…"}` with the right status.

This module is the contract itself (plain Django, usable by the collection engine and middleware);
`common.drf` maps DRF's exceptions onto it and describes it in the OpenAPI schema.
"""

from __future__ import annotations

from django.http import JsonResponse


class ParameterError(ValueError):
    """A query parameter is invalid; `parameter` names it for the `{"error": "<name>: …"}` answer."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def error_body(message: str) -> dict[str, str]:
    return {"error": message}


def error_response(message: str, *, status: int) -> JsonResponse:
    """The API error shape, for code outside DRF (middleware, decorators, webhooks)."""
    return JsonResponse(error_body(message), status=status)
