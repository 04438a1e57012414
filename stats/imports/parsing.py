"""Small readers shared by the parsers: counts, UTC days, CSV rows with their line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

from stats.imports.history import SourceError

MAX_COUNT = 2_147_483_647  # the stored columns are 32-bit


def text_of(where: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(where, data[: exc.start].count(b"\n") + 1, "not UTF-8 text") from None


def count_of(
    where: str, line: int | None, column: str, value: object, *, empty_is_zero: bool = False, unit: str = "line"
) -> int:
    """A non-negative whole number; "12.0" (pandas writes those) is 12."""
    if isinstance(value, bool):
        raise SourceError(where, line, f"{column}: {value!r} is not a count", unit=unit)
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text and empty_is_zero:
            return 0
        try:
            as_float = float(text)
        except ValueError:
            raise SourceError(where, line, f"{column}: {text[:40]!r} is not a count", unit=unit) from None
        if not as_float.is_integer():
            raise SourceError(where, line, f"{column}: {text[:40]!r} is not a whole number", unit=unit)
        number = int(as_float)
    if number < 0 or number > MAX_COUNT:
        raise SourceError(where, line, f"{column}: {number} is out of range", unit=unit)
    return number


def day_of(where: str, line: int | None, column: str, value: object, *, unit: str = "line") -> date:
    """The UTC day of an ISO 8601 time or date (a time without offset is UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value or "").strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise SourceError(where, line, f"{column}: {text[:40]!r} is not an ISO 8601 time", unit=unit) from None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def csv_rows(where: str, data: bytes, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose header has at least `columns`."""
    reader = csv.DictReader(io.StringIO(text_of(where, data), newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise SourceError(where, 1, f"not CSV: {exc}") from None
    missing = [column for column in columns if column not in header]
    if missing:
        raise SourceError(where, 1, f"the header lacks {', '.join(missing)} (expected {','.join(columns)})")
    try:
        for row in reader:
            if None in row or any(row.get(column) is None for column in columns):
                raise SourceError(where, reader.line_num, f"expected {len(header)} values")
            yield reader.line_num, row
    except csv.Error as exc:
        raise SourceError(where, reader.line_num, f"not CSV: {exc}") from None
