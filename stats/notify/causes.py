"""Naming the likely cause of a traffic spike from the data we store: a registry of cause detectors.

A detector is a function `(repository, day) -> Cause | None` that looks at one data source. The daily
check (stats.notify.alerts) asks every registered detector about the spiking repository and day and keeps
every cause named; detectors that fail are logged and skipped, never breaking the check.

Built in: `referrer_jump` (a referrer whose count in GitHub's 14-day top 10 jumped) and `star_jump`.

Extension points, for data sources being built separately (register them with `cause_detector_register`
from the module that owns the data, once it is stored; no placeholder detector exists meanwhile):
- a release published that day: `release_published(repository, day)` → Cause("release", "release v2.0 published")
  from the stored releases of the repository (published_at on `day`, UTC);
- CI runs: `ci_runs(repository, day)` → Cause("ci", "37 workflow runs (clones by CI)") from stored workflow
  runs, when that day's runs are well above their usual count (CI checkouts count as clones).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from repos.models import Repository
from stats.models import ReferrerSnapshot, RepositoryMetrics

logger = logging.getLogger(__name__)

# A referrer "jumped" when its 14-day count grew by at least this much and at least doubled.
REFERRER_MIN_JUMP = 10
REFERRER_JUMP_FACTOR = 2
# A star jump: at least this many new stars, and at least STAR_JUMP_FACTOR times the usual gain.
STAR_MIN_JUMP = 5
STAR_JUMP_FACTOR = 3
# How far back the "before" snapshot may be.
LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class Cause:
    kind: str
    summary: str


CauseDetector = Callable[[Repository, date], "Cause | None"]


def _after_and_before(dates: list[date], day: date) -> tuple[date | None, date | None]:
    """The snapshot that saw `day` (taken that day or the next: collection may come after midnight) and
    the latest one before it."""
    after = max((d for d in dates if day <= d <= day + timedelta(days=1)), default=None)
    before = max((d for d in dates if d < day), default=None)
    return after, before


def referrer_jump(repository: Repository, day: date) -> Cause | None:
    """The referrer whose 14-day count grew the most from the snapshot before `day` to the one that saw it."""
    rows = list(
        ReferrerSnapshot.objects.filter(
            repository=repository, date__gte=day - timedelta(days=LOOKBACK_DAYS), date__lte=day + timedelta(days=1)
        ).values_list("date", "referrer", "count")
    )
    after, before = _after_and_before(sorted({row[0] for row in rows}), day)
    if after is None:
        return None
    now = {referrer: count for when, referrer, count in rows if when == after}
    then = {referrer: count for when, referrer, count in rows if when == before}
    jumps = sorted(((count - then.get(referrer, 0), referrer) for referrer, count in now.items()), reverse=True)
    if not jumps:
        return None
    growth, referrer = jumps[0]
    previous = then.get(referrer, 0)
    if growth < REFERRER_MIN_JUMP or now[referrer] < REFERRER_JUMP_FACTOR * max(previous, 1):
        return None
    if previous:
        return Cause("referrer", f"referrer {referrer} jumped from {previous} to {now[referrer]} views (14-day count)")
    return Cause("referrer", f"referrer {referrer} appeared with {now[referrer]} views (14-day count)")


def star_jump(repository: Repository, day: date) -> Cause | None:
    """Many more new stars than usual between the metrics before `day` and those that saw it."""
    rows = dict(
        RepositoryMetrics.objects.filter(
            repository=repository, date__gte=day - timedelta(days=LOOKBACK_DAYS), date__lte=day + timedelta(days=1)
        ).values_list("date", "stars")
    )
    after, before = _after_and_before(sorted(rows), day)
    if after is None or before is None:
        return None
    gained = rows[after] - rows[before]
    span = (after - before).days
    earliest = min(rows)
    # The usual gain over as many days, from the metrics before the jump.
    usual_per_day = (rows[before] - rows[earliest]) / (before - earliest).days if before > earliest else 0.0
    if gained < max(STAR_MIN_JUMP, STAR_JUMP_FACTOR * usual_per_day * span):
        return None
    return Cause("stars", f"{gained} new stars ({rows[before]} → {rows[after]})")


CAUSE_DETECTORS: list[CauseDetector] = [referrer_jump, star_jump]


def cause_detector_register(detector: CauseDetector) -> CauseDetector:
    """Add a detector (usable as a decorator); registering twice is a no-op."""
    if detector not in CAUSE_DETECTORS:
        CAUSE_DETECTORS.append(detector)
    return detector


def causes_for(repository: Repository, day: date) -> list[Cause]:
    """Every cause the registered detectors name for the repository's spike on `day`."""
    found = []
    for detector in list(CAUSE_DETECTORS):
        try:
            cause = detector(repository, day)
        except Exception:
            logger.exception("cause detector %s failed for %s on %s", getattr(detector, "__name__", detector),
                             repository, day)
            continue
        if cause is not None:
            found.append(cause)
    return found
