"""Refuse control characters in the path, the query string and form bodies before any view runs.

No URL or parameter of this app needs one, and a NUL byte reaching PostgreSQL raises DataError
(a 500) wherever the value is used in a query. Form bodies may hold tabs and line breaks (text
areas); JSON bodies are checked by common.parsers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.http.multipartparser import MultiPartParserError

from common.errors import error_response

LINE_BREAKS_AND_TABS = frozenset("\t\n\r")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def control_character_in(text: str, *, allow: frozenset[str] = frozenset()) -> bool:
    """Whether `text` holds a control character (C0, DEL, C1) other than those in `allow`."""
    return any(unicodedata.category(char) == "Cc" and char not in allow for char in text)


def _any_control_character(pairs: Iterable[tuple[str, list[str]]], *, allow: frozenset[str]) -> bool:
    return any(
        control_character_in(key, allow=allow) or any(control_character_in(value, allow=allow) for value in values)
        for key, values in pairs
    )


class ControlCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path_info.startswith("/api/")
        if control_character_in(request.path_info):
            # No object has such a name.
            return error_response("not found", status=404) if is_api else HttpResponseNotFound("Not found")
        problem = ""
        if _any_control_character(request.GET.lists(), allow=frozenset()):
            problem = "query parameters must not contain control characters"
        elif request.method in ("POST", "PUT", "PATCH") and request.content_type in FORM_TYPES:
            try:
                # The raw body first, so that views reading it (the webhook's signature check) still can.
                request.body  # noqa: B018
                if _any_control_character(request.POST.lists(), allow=LINE_BREAKS_AND_TABS):
                    problem = "form fields must not contain control characters"
            except RequestDataTooBig:
                pass  # the view answers that as it always did (the webhook with 413)
            except MultiPartParserError:
                problem = "malformed multipart body"
        if problem:
            return error_response(problem, status=400) if is_api else HttpResponseBadRequest(problem)
        return self.get_response(request)
