"""Date ranges and buckets shared by the dashboard, the traffic tables and the API.

All dates are UTC calendar days. A range is inclusive at both ends. Week buckets are ISO weeks
dated by their Monday, month buckets by their 1st, so a bucket can straddle a year boundary
(the week of Monday 2024-12-30 holds 2025-01-01).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from common.errors import ParameterError
from repos.selectors import today_utc

Interval = Literal["day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month")
# Longest range one request may ask for: keeps responses and queries bounded.
MAX_RANGE_DAYS = 5 * 366
DEFAULT_DAYS = 30
# Dates a request may name: GitHub's traffic API is from 2014, and a bounded range keeps every
# bucket, previous-period and default-window computation inside Python's date range.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# Dashboard period keys → number of days ending today.
PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90, "12mo": 365}
PERIOD_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days", "12mo": "12 months", "all": "All time"}


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    interval: Interval
    period: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return DateRange(start=end - timedelta(days=self.days - 1), end=end, interval=self.interval)


def bucket_start(day: date, interval: Interval) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def next_bucket(start: date, interval: Interval) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def bucket_last_day(start: date, interval: Interval) -> date:
    return next_bucket(start, interval) - timedelta(days=1)


def bucket_length(start: date, interval: Interval) -> int:
    """Days in the whole bucket: 1, 7, or 28 to 31."""
    return (next_bucket(start, interval) - start).days


def bucket_days_in_range(bucket: date, interval: Interval, start: date, end: date) -> int:
    """How many days of the bucket lie inside [start, end] (a range can cut its first and last bucket)."""
    first, last = max(bucket, start), min(bucket_last_day(bucket, interval), end)
    return max(0, (last - first).days + 1)


def bucket_starts(start: date, end: date, interval: Interval) -> list[date]:
    """Every bucket touching [start, end], in order."""
    buckets = []
    current = bucket_start(start, interval)
    while current <= end:
        buckets.append(current)
        current = next_bucket(current, interval)
    return buckets


def default_interval(days: int) -> Interval:
    if days <= 92:
        return "day"
    if days <= 2 * 366:
        return "week"
    return "month"


def _parse_date(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"expected a date as YYYY-MM-DD, got {raw[:40]!r}") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ParameterError(
            name, f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}, got {raw[:40]!r}"
        )
    return value


def parse_interval(params: Mapping[str, str], default: Interval = "day") -> Interval:
    raw = (params.get("interval") or "").strip()
    if not raw:
        return default
    if raw not in INTERVALS:
        raise ParameterError("interval", f"must be one of day, week, month, got {raw[:20]!r}")
    return raw  # type: ignore[return-value]


def parse_range(
    params: Mapping[str, str],
    *,
    today: date | None = None,
    first_day: date | None = None,
    allow_period: bool = False,
) -> DateRange:
    """`from`/`to`/`interval` (and the dashboard's `period`) → a validated DateRange.

    Defaults: the last 30 days ending today, daily. `first_day` (the oldest stored day) anchors
    `period=all`. Raises ParameterError naming the bad parameter.
    """
    today = today_utc(today)
    start = _parse_date(params, "from")
    end = _parse_date(params, "to")
    period = "custom"
    raw_period = (params.get("period") or "").strip() if allow_period else ""
    if raw_period and start is None and end is None:
        if raw_period == "all":
            period, end = "all", today
            start = min(first_day, today) if first_day else today - timedelta(days=DEFAULT_DAYS - 1)
            start = max(start, today - timedelta(days=MAX_RANGE_DAYS - 1))
        elif raw_period in PERIOD_DAYS:
            period, end = raw_period, today
            start = today - timedelta(days=PERIOD_DAYS[raw_period] - 1)
        elif raw_period != "custom":
            raise ParameterError("period", f"must be one of {', '.join([*PERIOD_DAYS, 'all', 'custom'])}")
    if end is None:
        end = today if start is None else max(start, today)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
        if period == "custom" and allow_period and not params.get("to"):
            period = "30d"
    if start > end:
        raise ParameterError("from", f"must not be after to ({start.isoformat()} > {end.isoformat()})")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ParameterError("from", f"the range is longer than {MAX_RANGE_DAYS} days; narrow it")
    interval = parse_interval(params, default=default_interval((end - start).days + 1) if allow_period else "day")
    return DateRange(start=start, end=end, interval=interval, period=period)
