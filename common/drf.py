"""The error contract (`common.errors`) for DRF views: the exception handler and the schema entries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from common.errors import error_body

# What each status means in this API, used in the schema unless a view says something more precise.
STATUS_DESCRIPTIONS = {
    400: "Invalid input; the message names the parameter.",
    401: "Not authenticated.",
    403: "Your role does not allow this.",
    404: "Unknown tenant or object, or not yours.",
    409: "Conflicts with what is stored.",
}


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Schema entries for these statuses; `descriptions` overrides by status (`d404="Unknown run."`)."""
    return {
        status: OpenApiResponse(
            ErrorSerializer, description=descriptions.get(f"d{status}", STATUS_DESCRIPTIONS.get(status, ""))
        )
        for status in statuses
    }


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key in ("detail", "non_field_errors") else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(_first_message(response.data))
    return response
