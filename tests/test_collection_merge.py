"""Pure merge rules: windows, zero-filling, per-field maximum."""

from __future__ import annotations

from datetime import date

from stats.collection.merge import Counts, combine, daily_window, merge, monday, parse_buckets, weekly_window


def test_it_covers_fifteen_days_ending_today():
    window = daily_window(date(2016, 10, 24))
    assert len(window) == 15 and window[0] == date(2016, 10, 10) and window[-1] == date(2016, 10, 24)


def test_it_lists_the_mondays_the_window_touches():
    assert weekly_window(date(2016, 10, 24)) == [date(2016, 10, 10), date(2016, 10, 17), date(2016, 10, 24)]
    assert weekly_window(date(2026, 3, 4)) == [date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)]
    assert monday(date(2026, 3, 8)) == date(2026, 3, 2)


def test_it_parses_utc_midnight_buckets():
    body = {"count": 3, "uniques": 2, "views": [{"timestamp": "2016-10-10T00:00:00Z", "count": 3, "uniques": 2}]}
    assert parse_buckets(body, "views") == {date(2016, 10, 10): (3, 2)}


def test_it_fills_omitted_days_with_real_zeros():
    keys = daily_window(date(2016, 10, 24))
    counts = combine({date(2016, 10, 12): (5, 2)}, {date(2016, 10, 13): (1, 1)}, keys)
    assert len(counts) == 15
    assert counts[date(2016, 10, 12)] == Counts(5, 2, 0, 0)
    assert counts[date(2016, 10, 13)] == Counts(0, 0, 1, 1)
    assert counts[date(2016, 10, 20)] == Counts()


def test_it_keeps_the_maximum_per_field():
    d1, d2, d3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)
    stored = {d1: Counts(10, 5, 2, 1), d2: Counts(3, 2, 0, 0)}
    fetched = {d1: Counts(4, 6, 2, 0), d2: Counts(3, 2, 0, 0), d3: Counts(1, 1, 0, 0)}
    create, update = merge(stored, fetched)
    assert create == {d3: Counts(1, 1, 0, 0)}
    assert update == {d1: Counts(10, 6, 2, 1)}  # unchanged d2 is not rewritten


def test_it_never_lowers_a_complete_value_with_a_partial_oldest_bucket():
    d = date(2026, 1, 1)
    assert merge({d: Counts(100, 40, 9, 3)}, {d: Counts(12, 5, 1, 1)}) == ({}, {})
    assert merge({d: Counts(12, 5, 1, 1)}, {d: Counts(100, 40, 9, 3)}) == ({}, {d: Counts(100, 40, 9, 3)})
