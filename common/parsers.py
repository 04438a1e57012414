"""The API's JSON parser: bounded nesting, no control characters in strings.

Python's json module recurses once per nesting level: a body nested a few thousand deep raises
RecursionError (a 500). Nothing this API accepts is nested more than a few levels, so deeper bodies
are refused before they reach a serializer; strings (keys and values) must not hold control
characters other than tab and line breaks (a NUL makes PostgreSQL raise DataError).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common.middleware import LINE_BREAKS_AND_TABS, control_character_in

MAX_JSON_DEPTH = 64


def json_problem(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What is wrong with parsed JSON `data`, or None. Iterative: deep data must not recurse here either."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, Mapping | list):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            items = value.items() if isinstance(value, Mapping) else ((None, item) for item in value)
            for key, item in items:
                if isinstance(key, str) and control_character_in(key, allow=LINE_BREAKS_AND_TABS):
                    return "JSON keys must not contain control characters"
                pending.append((item, depth + 1))
        elif isinstance(value, str) and control_character_in(value, allow=LINE_BREAKS_AND_TABS):
            return "JSON strings must not contain control characters"
    return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels") from None
        if problem := json_problem(data):
            raise ParseError(f"JSON parse error - {problem}")
        return data
