"""The referrer/path estimator (stats.traffic.referrer_estimates): pure functions, no database."""

from __future__ import annotations

from datetime import date, timedelta

from stats.traffic.referrer_estimates import (
    Snapshot,
    combine,
    cover_dates,
    daily_estimates,
    period_bounds,
    period_estimates,
)

START = date(2026, 3, 1)


def day(n: int) -> date:
    return START + timedelta(days=n)


def snapshots_of(truth: dict[str, list[int]], dates: list[int], top: int = 10) -> list[Snapshot]:
    """GitHub's view of a daily truth: on each date the top `top` 14-day sums ending that day."""
    result = []
    for n in dates:
        sums = {key: sum(values[max(0, n - 13): n + 1]) for key, values in truth.items()}
        ranked = sorted((item for item in sums.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))[:top]
        result.append(Snapshot(date=day(n), counts=dict(ranked)))
    return result


def true_total(values: list[int], first: int, last: int) -> int:
    return sum(values[first: last + 1])


def estimate_of(estimates, key):
    return next(item for item in estimates if item.key == key)


def test_it_reproduces_a_steady_referrer_exactly():
    truth = {"google": [5] * 60}
    snapshots = snapshots_of(truth, list(range(13, 60)))
    daily = daily_estimates(snapshots, "google")
    assert all(value == 5 for value in daily.values())
    item = estimate_of(period_estimates(snapshots, day(30), day(59)), "google")
    # 30 days: two whole windows exact, the 2 days left bounded by the window that covers them
    assert (item.views, item.low, item.high) == (150, 140, 210)
    whole = estimate_of(period_estimates(snapshots, day(32), day(59)), "google")
    assert whole.exact and whole.views == 140 and whole.listed == whole.snapshots == 28


def test_it_puts_a_spike_on_its_day_and_takes_it_away_14_days_later():
    values = [2] * 60
    values[40] = 50
    snapshots = snapshots_of({"hn": values}, list(range(13, 60)))
    daily = daily_estimates(snapshots, "hn")
    assert daily[day(40)] == 50 and daily[day(39)] == 2 and daily[day(54)] == 2
    week = estimate_of(period_estimates(snapshots, day(37), day(43)), "hn")
    assert week.views == true_total(values, 37, 43) == 62
    assert week.low <= 62 <= week.high


def test_it_clips_a_day_at_zero_and_stays_inside_the_bounds():
    values = [0] * 20 + [30] + [0] * 39  # all in one day: the uniform first window then over-shoots
    snapshots = snapshots_of({"x": values}, list(range(25, 60)))
    daily = daily_estimates(snapshots, "x")
    assert min(daily.values()) >= 0
    for first, last in [(26, 39), (20, 33), (12, 59), (30, 31)]:
        item = estimate_of(period_estimates(snapshots, day(first), day(last)), "x")
        truth = true_total(values, first, last)
        assert item.low <= truth and (item.high is None or truth <= item.high) and item.low <= item.views


def test_it_treats_a_referrer_that_drops_out_of_the_top_10_as_unknown_not_zero():
    truth = {f"site{i}": [20 - i] * 60 for i in range(10)}
    truth["churner"] = [30] * 30 + [1] * 30  # falls out of the top 10 once its window has cooled down
    snapshots = snapshots_of(truth, list(range(13, 60)))
    assert "churner" in snapshots[0].counts and "churner" not in snapshots[-1].counts
    low, high = snapshots[-1].bounds("churner")
    assert (low, high) == (0, min(snapshots[-1].counts.values())) and high > 0
    item = estimate_of(period_estimates(snapshots, day(32), day(59)), "churner")
    real = true_total(truth["churner"], 32, 59)
    assert item.listed < item.snapshots and not item.exact
    assert item.low <= real <= item.high and item.views > 0


def test_it_reads_absence_from_a_short_list_as_zero():
    snapshot = Snapshot(date=day(20), counts={"a": 5, "b": 3})
    assert snapshot.bounds("c") == (0, 0) and snapshot.bounds("a") == (5, 5)


def test_it_spreads_a_gap_between_snapshots_evenly():
    values = [3] * 30 + [10] * 30
    snapshots = snapshots_of({"g": values}, [13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 49])
    daily = daily_estimates(snapshots, "g")
    # Three new days each time; the jump to 10 shows up in the gap it happened in.
    assert daily[day(16)] == daily[day(15)] == daily[day(14)] == 3
    assert daily[day(31)] == daily[day(30)] == daily[day(29)] == (10 + 10 + 3) / 3
    item = estimate_of(period_estimates(snapshots, day(36), day(49)), "g")
    assert item.exact and item.views == 140


def test_it_bounds_a_period_in_no_window_from_above_by_nothing():
    snapshots = snapshots_of({"g": [4] * 60}, [13, 50])  # days 14..36 are in no window
    item = estimate_of(period_estimates(snapshots, day(0), day(50)), "g")
    assert item.high is None and item.low == 112 and item.views == 112


def test_it_estimates_a_first_snapshot_alone_by_spreading_it():
    snapshots = [Snapshot(date=day(13), counts={"first": 70})]
    week = estimate_of(period_estimates(snapshots, day(7), day(13)), "first")
    assert (week.views, week.low, week.high) == (35, 0, 70)
    assert period_bounds(snapshots, "first", day(0), day(13)) == (70, 70)


def test_it_adds_repositories_up_per_key_and_keeps_unknown_bounds_unknown():
    one = period_estimates([Snapshot(date=day(13), counts={"g": 14})], day(0), day(13))
    two = period_estimates([Snapshot(date=day(13), counts={"g": 28, "h": 1})], day(0), day(20))
    merged = combine([one, two])
    assert [(item.key, item.views, item.repositories) for item in merged] == [("g", 42, 2), ("h", 1, 1)]
    assert merged[0].high is None  # the second repository's days 14..20 are in no window


def test_it_picks_one_snapshot_per_14_days_to_cover_a_period():
    available = [day(n) for n in range(0, 60)]
    assert cover_dates(available, day(20), day(59)) == [day(31), day(45), day(59)]
    assert cover_dates([day(5), day(40)], day(0), day(45)) == [day(5), day(40)]


def test_it_tightens_the_bounds_with_the_snapshots_before_the_period():
    values = [0] * 20 + [10] * 40  # a referrer that arrives on day 20 and stays
    truth = {"new": values, "old": [3] * 60}
    snapshots = snapshots_of(truth, list(range(13, 60)))
    # Alone, the week's snapshots allow anything from 0 to the whole window (140).
    assert period_bounds(snapshots, "new", day(40), day(46)) == (0, 140)
    # Two windows earlier there was nothing: d(u) = D(u) + d(u-14) = D(u) + D(u-14) + 0 pins the week.
    item = estimate_of(period_estimates(snapshots, day(40), day(46)), "new")
    assert item.exact and item.views == 70 == true_total(values, 40, 46)
