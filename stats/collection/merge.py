"""Pure merge rules for GitHub's rolling traffic window (no database here, so they are easy to test).

GitHub serves 15 daily buckets: 14 full days and today (partial); the oldest bucket may be cut
short as the 14x24 h window rolls; zero buckets are omitted. So:
- every day (and week) of the covered window gets a value, zero when GitHub omitted it;
- stored and fetched values merge by maximum per field: a partial oldest bucket never lowers a
  complete value, and today's partial value grows to the final one. Unique counts stay per bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

WINDOW_DAYS = 15  # 14 full days + today
FIELDS = ("views", "unique_views", "clones", "unique_clones")


@dataclass(frozen=True)
class Counts:
    views: int = 0
    unique_views: int = 0
    clones: int = 0
    unique_clones: int = 0

    def max(self, other: Counts) -> Counts:
        return Counts(*(max(getattr(self, f), getattr(other, f)) for f in FIELDS))

    def as_dict(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in FIELDS}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def daily_window(today: date) -> list[date]:
    """The 15 days GitHub's daily series covers on `today` (oldest first)."""
    return [today - timedelta(days=offset) for offset in range(WINDOW_DAYS - 1, -1, -1)]


def weekly_window(today: date) -> list[date]:
    """Mondays of the weeks that GitHub's per=week series touches on `today`."""
    first, last = monday(today - timedelta(days=WINDOW_DAYS - 1)), monday(today)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def parse_buckets(body: Mapping[str, Any], kind: str) -> dict[date, tuple[int, int]]:
    """{bucket date: (count, uniques)} from a views/clones body; timestamps are UTC midnights."""
    buckets: dict[date, tuple[int, int]] = {}
    for bucket in body.get(kind, []):
        day = datetime.fromisoformat(str(bucket["timestamp"]).replace("Z", "+00:00")).date()
        buckets[day] = (max(int(bucket["count"]), 0), max(int(bucket["uniques"]), 0))
    return buckets


def combine(
    views: Mapping[date, tuple[int, int]], clones: Mapping[date, tuple[int, int]], keys: Iterable[date]
) -> dict[date, Counts]:
    """Fetched counts for every key of the covered window; a bucket GitHub omitted is a real zero."""
    result = {}
    for key in keys:
        v, c = views.get(key, (0, 0)), clones.get(key, (0, 0))
        result[key] = Counts(views=v[0], unique_views=v[1], clones=c[0], unique_clones=c[1])
    return result


def merge(
    stored: Mapping[date, Counts], fetched: Mapping[date, Counts]
) -> tuple[dict[date, Counts], dict[date, Counts]]:
    """(rows to create, rows to update) so every fetched key ends at the per-field maximum."""
    create, update = {}, {}
    for key, counts in fetched.items():
        old = stored.get(key)
        if old is None:
            create[key] = counts
        else:
            merged = old.max(counts)
            if merged != old:
                update[key] = merged
    return create, update
