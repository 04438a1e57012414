"""Saved GitHub API answers: `GET /repos/{owner}/{repo}/traffic/views` or `…/clones` bodies, one file per
fetch, each a full window of the UTC day it was fetched (the file's modification day, or a day the
caller gives; a bucket newer than that day moves it on, as GitHub's day may turn over first).

A day known by a views answer and a clones answer of the same fetch day is a known day (zeros where
GitHub omitted it); a day only one of them covers can raise a stored day, never create one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from stats.collection.services import Counts, daily_window
from stats.imports.history import RepositoryHistory, SourceError
from stats.imports.parsing import count_of, day_of, text_of

MAX_FILE_BYTES = 1024 * 1024  # a GitHub answer is a few kB


@dataclass(frozen=True)
class SavedAnswer:
    where: str  # the file name, for messages
    data: bytes
    fetched_on: date  # the UTC day it was fetched


def parse(answers: list[SavedAnswer]) -> RepositoryHistory:
    windows: dict[date, dict[str, dict[date, tuple[int, int]]]] = {}
    answered: dict[date, set[str]] = {}  # which kinds answered on each fetch day (an empty answer counts)
    for answer in answers:
        kind, buckets, fetched_on = _answer(answer)
        window = windows.setdefault(fetched_on, {"views": {}, "clones": {}})
        answered.setdefault(fetched_on, set()).add(kind)
        for day, (count, uniques) in buckets.items():
            old = window[kind].get(day, (0, 0))
            window[kind][day] = (max(old[0], count), max(old[1], uniques))
    history = RepositoryHistory()
    for fetched_on, sides in sorted(windows.items()):
        views, clones = sides["views"], sides["clones"]
        for day in sorted({*daily_window(fetched_on), *views, *clones}):
            v, c = views.get(day, (0, 0)), clones.get(day, (0, 0))
            counts = Counts(views=v[0], unique_views=v[1], clones=c[0], unique_clones=c[1])
            if answered[fetched_on] == {"views", "clones"}:
                history.day_add(day, counts)
            else:
                history.one_sided_add(day, counts)
    return history


def _answer(answer: SavedAnswer) -> tuple[str, dict[date, tuple[int, int]], date]:
    where = answer.where
    if len(answer.data) > MAX_FILE_BYTES:
        raise SourceError(where, None, "larger than 1 MB: not a GitHub traffic answer")
    text = text_of(where, answer.data)
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(where, exc.lineno, f"not JSON: {exc.msg}") from None
    kinds = [kind for kind in ("views", "clones") if isinstance(body, dict) and kind in body]
    if len(kinds) != 1 or not isinstance(body[kinds[0]], list):
        raise SourceError(where, 1, 'expected GitHub\'s views or clones answer: {"count": …, "views": [...]} '
                                    'or {"count": …, "clones": [...]}')
    kind = kinds[0]
    lines = _bucket_lines(text)
    buckets: dict[date, tuple[int, int]] = {}
    for index, bucket in enumerate(body[kind]):
        line = lines[index] if index < len(lines) else None
        if not isinstance(bucket, dict) or not {"timestamp", "count", "uniques"} <= set(bucket):
            raise SourceError(where, line, f"{kind}[{index}] needs timestamp, count and uniques")
        day = day_of(where, line, f"{kind}[{index}].timestamp", bucket["timestamp"])
        buckets[day] = (count_of(where, line, f"{kind}[{index}].count", bucket["count"]),
                        count_of(where, line, f"{kind}[{index}].uniques", bucket["uniques"]))
    fetched_on = answer.fetched_on
    if buckets and max(buckets) > fetched_on:
        # GitHub's day may turn over before the saving clock's did (as in a collection).
        fetched_on = max(buckets)
    first = daily_window(fetched_on)[0]
    if buckets and min(buckets) < first:
        raise SourceError(where, lines[0] if lines else None,
                          f"dated {fetched_on}, but its buckets start {min(buckets)}, before that day's window "
                          f"({first}): give the day it was fetched with --date")
    return kind, buckets, fetched_on


def _bucket_lines(text: str) -> list[int]:
    """The line of each bucket: where its "timestamp" key stands (GitHub's answers use it nowhere else)."""
    lines, position = [], text.find('"timestamp"')
    while position >= 0:
        lines.append(text.count("\n", 0, position) + 1)
        position = text.find('"timestamp"', position + 1)
    return lines
