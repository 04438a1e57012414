"""CSV output for the API and the traffic tables: a header row, proper quoting, no spreadsheet formulas.

A cell that starts with = + - @ (or a tab / carriage return) would run as a formula when the file
is opened in a spreadsheet; such text cells get a leading apostrophe. Spreadsheets also skip leading
blanks and read the full-width forms of the four signs as their ASCII twins, so those count too. Numbers are
written as is.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from rest_framework.renderers import BaseRenderer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The same four signs in their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def _is_blank(char: str) -> bool:
    # Spaces (any script), control characters and invisible format characters (zero-width space, BOM).
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def looks_like_formula(text: str) -> bool:
    if text.startswith(FORMULA_PREFIXES):
        return True
    index = 0
    while index < len(text) and _is_blank(text[index]):
        index += 1
    return index < len(text) and text[index] in FORMULA_SIGNS


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


class _Line:
    """A file-like object whose write() returns the line, for streaming with csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    return "".join(csv_lines(header, rows))


class CSVRenderer(BaseRenderer):
    """`?format=csv` or `Accept: text/csv`. The view names the columns in `csv_header`;
    `data` is a list of dicts (the rows) or, for errors, `{"error": …}`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, dict):
            if "error" in data:
                return csv_text(["error"], [[data["error"]]]).encode()
            data = [data]
        view = (renderer_context or {}).get("view")
        header = list(getattr(view, "csv_header", None) or (data[0].keys() if data else []))
        buffer = io.StringIO()
        buffer.write(csv_text(header, ([row.get(column) for column in header] for row in data or [])))
        return buffer.getvalue().encode()
