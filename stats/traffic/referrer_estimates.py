"""Estimated daily referrer/path views from GitHub's rolling 14-day top-10 snapshots (pure functions).

GitHub only reports, on the day t we collect, S_t = the views of each of the top 10 referrers (or
paths) over the 14 days ending at t. Consecutive snapshots differ by one day entering and one leaving
the window: S_t - S_{t-1} = d(t) - d(t-14). So:

- **Daily series** (`daily_estimates`). The first snapshot (or the first after a gap of 14 days or
  more, whose window overlaps nothing known) is spread evenly over its 14 days. Each later snapshot
  gives the days new since the previous one whatever its 14-day total leaves after the days still in
  the window: d(new) = max(0, S_t - sum of the estimates of the retained days), spread evenly over a
  gap of several days. With daily snapshots this is d(t) = S_t - S_{t-1} + d(t-14), clipped at zero,
  and every estimated 14-day window adds up to its snapshot (until a clip).
- **Bounds** (`period_bounds`). Views are never negative, so a period's total is at least the
  snapshots whose windows fit inside it without overlapping (plus, on the days left over, any rise
  S_u - S_{u-1} > 0 that only day u can explain) and at most the snapshots whose windows cover it.
  A period made of whole windows ending on snapshot days (14 days ending on a collection day, 28…)
  is therefore exact: low == high. Snapshots of the HISTORY days before the period tighten both
  (`_chained`): the period's views are its differences D plus the same period 14 days earlier.
- **Top-10 churn**. A referrer missing from a list of 10 had at most the 10th row's count: unknown
  (bounded by [0, 10th count]), never zero. Missing from a shorter list, it had none. The point
  estimate assumes an unknown window stays as it was (capped at the 10th count), and the period
  estimate is kept inside its bounds. `listed`/`snapshots` tell how often the referrer was seen.
- **Uniques** are never estimated: GitHub's window uniques cannot be added or split by day.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

WINDOW = 14  # days in one GitHub snapshot, ending on (and including) its date
TOP_N = 10  # rows GitHub lists at most
# Days of snapshots before a period that tighten its bounds (two windows: see `_chained`).
HISTORY = 2 * WINDOW


@dataclass(frozen=True)
class Snapshot:
    """One repository's top list on one collection day: key → 14-day views."""

    date: date
    counts: Mapping[str, int]
    titles: Mapping[str, str] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        """A full list may hide keys below its last row; a shorter one lists everything with views."""
        return len(self.counts) >= TOP_N

    def bounds(self, key: str) -> tuple[int, int]:
        """What this snapshot says about `key`'s 14-day views: exact when listed, else [0, 10th count]."""
        if key in self.counts:
            return self.counts[key], self.counts[key]
        if self.full:
            return 0, min(self.counts.values())
        return 0, 0

    def window(self) -> list[date]:
        return [self.date - timedelta(days=offset) for offset in range(WINDOW - 1, -1, -1)]


@dataclass(slots=True)  # not frozen: built ~10,000 times per dashboard, and frozen init is slow
class PeriodEstimate:
    key: str
    title: str
    views: int  # the point estimate, inside [low, high]
    low: int
    high: int | None  # None: some day of the period lies in no snapshot's window
    listed: int  # snapshots whose window touches the period and that list the key
    snapshots: int  # snapshots whose window touches the period
    repositories: int = 1

    @property
    def exact(self) -> bool:
        return self.high is not None and self.low == self.high


# The core works on day ordinals and lists (no date arithmetic per day): the dashboard runs it for every
# key of every repository (about 10,000 series at 1,000 repositories).
Bounds = tuple[int, int]


def _series(days: Sequence[int], bounds: Sequence[Bounds]) -> tuple[int, list[float]]:
    """(first day, estimates from it) for one key, from its snapshots' days (ordinals, ascending)."""
    base = days[0] - WINDOW + 1
    estimates = [0.0] * (days[-1] - base + 1)
    previous, previous_total = None, 0.0
    for day, (low, high) in zip(days, bounds, strict=True):
        last = day - base
        if previous is None or day - previous >= WINDOW:
            first, retained = last - WINDOW + 1, 0.0
            total = float(low) if low == high else high / 2
        else:
            first = last - (day - previous) + 1
            retained = sum(estimates[last - WINDOW + 1: first])
            # Unknown (dropped out of a full top 10): assume it held steady, below the list's last row.
            total = float(low) if low == high else min(previous_total, float(high))
        count = last - first + 1
        share = max(0.0, total - retained) / count
        estimates[first: last + 1] = [share] * count
        previous, previous_total = day, retained + share * count
    return base, estimates


def _low(by_day: Mapping[int, Bounds], start: int, end: int) -> int:
    """Disjoint windows inside the period (greedy from the end), plus the rises on the days left over."""
    total, cursor = 0, end
    leftover: list[int] = []
    while cursor - WINDOW + 1 >= start:
        if cursor in by_day:
            total += by_day[cursor][0]
            cursor -= WINDOW
        else:
            leftover.append(cursor)
            cursor -= 1
    leftover.extend(range(start, cursor + 1))
    for day in leftover:
        if day in by_day and day - 1 in by_day:
            # S_u - S_{u-1} = d(u) - d(u-14) <= d(u)
            total += max(0, by_day[day][0] - by_day[day - 1][1])
    return total


def _high(days: Sequence[int], by_day: Mapping[int, Bounds], start: int, end: int) -> int | None:
    """Windows covering every day of the period (greedy from the end, each reaching furthest back)."""
    total, cursor = 0, end
    while cursor >= start:
        position = bisect_left(days, cursor)
        if position == len(days) or days[position] - cursor >= WINDOW:
            return None  # `cursor` is in no window: nothing bounds it
        total += by_day[days[position]][1]
        cursor = days[position] - WINDOW
    return total


def daily_estimates(snapshots: Sequence[Snapshot], key: str) -> dict[date, float]:
    """The estimated views of `key` on each day some snapshot's window covers (snapshots sorted by date)."""
    if not snapshots:
        return {}
    days = [snapshot.date.toordinal() for snapshot in snapshots]
    base, estimates = _series(days, [snapshot.bounds(key) for snapshot in snapshots])
    covered = {day - offset - base for day in days for offset in range(WINDOW)}
    return {date.fromordinal(base + index): value for index, value in enumerate(estimates) if index in covered}


def period_bounds(snapshots: Sequence[Snapshot], key: str, start: date, end: date) -> tuple[int, int | None]:
    days = sorted(snapshot.date.toordinal() for snapshot in snapshots)
    by_day = {snapshot.date.toordinal(): snapshot.bounds(key) for snapshot in snapshots}
    return _low(by_day, start.toordinal(), end.toordinal()), _high(days, by_day, start.toordinal(), end.toordinal())


def _chained(
    days: Sequence[int], by_day: Mapping[int, Bounds], first: int, last: int, low: int, high: int | None
) -> tuple[int, int | None]:
    """Tighter bounds from earlier snapshots: with snapshots on u and u-1, d(u) = D(u) + d(u-14), so the
    period's views are its D's plus the views of the same period 14 days earlier, bounded in turn."""
    rise_low = rise_high = 0
    for shift in range(1, HISTORY // WINDOW + 1):
        for day in range(first - (shift - 1) * WINDOW, last - (shift - 1) * WINDOW + 1):
            today, yesterday = by_day.get(day), by_day.get(day - 1)
            if today is None or yesterday is None:
                return low, high
            rise_low += today[0] - yesterday[1]
            rise_high += today[1] - yesterday[0]
        earlier_first, earlier_last = first - shift * WINDOW, last - shift * WINDOW
        low = max(low, rise_low + _low(by_day, earlier_first, earlier_last))
        earlier_high = _high(days, by_day, earlier_first, earlier_last)
        if earlier_high is not None:
            high = rise_high + earlier_high if high is None else min(high, rise_high + earlier_high)
    return low, high


def touching(snapshots: Iterable[Snapshot], start: date, end: date, *, history: int = 0) -> list[Snapshot]:
    """The snapshots whose 14-day window shares a day with [start, end] (and those `history` days before)."""
    first, last = start - timedelta(days=history), end + timedelta(days=WINDOW - 1)
    return sorted((s for s in snapshots if first <= s.date <= last), key=lambda s: s.date)


def period_estimates(snapshots: Iterable[Snapshot], start: date, end: date) -> list[PeriodEstimate]:
    """Every key listed by a snapshot touching [start, end], with its estimated views over the period.

    Snapshots up to HISTORY days before the period (when given) tighten the bounds and seed the series.
    """
    chosen = touching(snapshots, start, end, history=HISTORY)
    if not chosen:
        return []
    days = [snapshot.date.toordinal() for snapshot in chosen]
    first, last = start.toordinal(), end.toordinal()
    inside = [snapshot for snapshot in chosen if snapshot.date >= start]
    keys: dict[str, str] = {}
    for snapshot in inside:
        for key in snapshot.counts:
            keys.setdefault(key, snapshot.titles.get(key, ""))
    results = []
    for key, title in keys.items():
        bounds = [snapshot.bounds(key) for snapshot in chosen]
        by_day = dict(zip(days, bounds, strict=True))
        base, series = _series(days, bounds)
        point = sum(series[max(0, first - base): max(0, last - base + 1)])
        low, high = _chained(days, by_day, first, last, _low(by_day, first, last), _high(days, by_day, first, last))
        views = max(low, round(point))
        if high is not None:
            views = min(views, high)
        results.append(PeriodEstimate(
            key=key, title=title, views=views, low=low, high=high,
            listed=sum(1 for snapshot in inside if key in snapshot.counts), snapshots=len(inside),
        ))
    return results


def combine(per_repository: Iterable[Iterable[PeriodEstimate]], limit: int | None = None) -> list[PeriodEstimate]:
    """Estimates of several repositories added up per key (views add up; bounds too), busiest first."""
    merged: dict[str, PeriodEstimate] = {}
    for estimates in per_repository:
        for item in estimates:
            seen = merged.get(item.key)
            if seen is None:
                merged[item.key] = PeriodEstimate(item.key, item.title, item.views, item.low, item.high, item.listed,
                                                  item.snapshots, item.repositories)
                continue
            seen.title = seen.title or item.title
            seen.views += item.views
            seen.low += item.low
            seen.high = None if seen.high is None or item.high is None else seen.high + item.high
            seen.listed += item.listed
            seen.snapshots += item.snapshots
            seen.repositories += item.repositories
    ranked = sorted(merged.values(), key=lambda item: (-item.views, item.key))
    return ranked if limit is None else ranked[:limit]


def cover_dates(available: Sequence[date], start: date, end: date) -> list[date]:
    """The fewest snapshot dates whose windows cover [start, end] as far as they can (greedy from the end).

    Reading only these (instead of every day's snapshot) keeps tenant-wide estimates to about one
    snapshot per repository per 14 days; whole windows stay exact, the rest is spread evenly.
    """
    dates = sorted(set(available))
    chosen: list[date] = []
    cursor = end
    while cursor >= start:
        position = bisect_left(dates, cursor)
        if position == len(dates) or (dates[position] - cursor).days >= WINDOW:
            cursor -= timedelta(days=1)  # a day no window covers: look for the next one back
            continue
        chosen.append(dates[position])
        cursor = dates[position] - timedelta(days=WINDOW)
    return sorted(chosen)
