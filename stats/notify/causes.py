"""Naming the likely cause of a traffic spike from the data we store: a registry of cause detectors.

A detector is a function `(repository, day) -> Cause | None` that looks at one data source. The daily
check (stats.notify.alerts) asks the registered detectors about the spiking repository, day and metric and
keeps every cause named; detectors that fail are logged and skipped, never breaking the check. A detector
registered with `metrics=` (e.g. `("clones",)`) is asked only about spikes of those metrics; others about all.

Built in:
- `referrer_jump`: a referrer whose count in GitHub's 14-day top 10 jumped (named);
- `star_jump`: many more new stars than usual;
- `release_published`: a release published on the day (UTC), or the evening before (from
  RELEASE_EVENING_HOUR UTC on: a late release drives the next day's traffic), named by tag and name. Only
  releases with at least one asset are stored (stats.collection.store_releases), so only they are named;
- `ci_runs` (clone spikes only): that day's GitHub Actions runs, for repositories with the CI-clone estimate
  on, at least CI_JUMP_FACTOR times the median of the previous CI_BASELINE_DAYS days with a stored count and
  CI_MIN_EXCESS more (CI checkouts count as clones).

Detectors live here, not beside their data: stats.traffic and stats.collection sit below stats.notify
(import-linter) and may not import this registry. Register another with `cause_detector_register`.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from repos.models import Repository
from stats.models import ReferrerSnapshot, ReleaseAsset, RepositoryMetrics, WorkflowRunDay

logger = logging.getLogger(__name__)

# A referrer "jumped" when its 14-day count grew by at least this much and at least doubled.
REFERRER_MIN_JUMP = 10
REFERRER_JUMP_FACTOR = 2
# A star jump: at least this many new stars, and at least STAR_JUMP_FACTOR times the usual gain.
STAR_MIN_JUMP = 5
STAR_JUMP_FACTOR = 3
# How far back the "before" snapshot may be.
LOOKBACK_DAYS = 14
# A release published the day before from this hour (UTC) on also explains the day's traffic.
RELEASE_EVENING_HOUR = 18
# A CI jump: at least CI_JUMP_FACTOR times the median runs of the previous CI_BASELINE_DAYS days with a stored
# count (none stored: 0) and at least CI_MIN_EXCESS more.
CI_JUMP_FACTOR = 3
CI_MIN_EXCESS = 10
CI_BASELINE_DAYS = 28


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


def _release_label(tag: str, name: str, prerelease: bool) -> str:
    label = tag or name
    if name and tag and name != tag:
        label = f'{tag} "{name}"'
    return f"{label} (pre-release)" if prerelease else label


def release_published(repository: Repository, day: date) -> Cause | None:
    """The releases published on `day` (UTC) or the evening before, named by tag and name, oldest first."""
    start = datetime.combine(day - timedelta(days=1), time(RELEASE_EVENING_HOUR), tzinfo=UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    rows = (
        ReleaseAsset.objects.filter(repository=repository, published_at__gte=start, published_at__lt=end)
        .values_list("release_id", "tag", "release_name", "prerelease", "published_at")
        .order_by("published_at", "release_id")
    )
    releases: dict[int, tuple[str, datetime]] = {}
    for release_id, tag, name, prerelease, published_at in rows:
        releases.setdefault(release_id, (_release_label(tag, name, prerelease), published_at))
    if not releases:
        return None
    labels = [
        label if published_at.astimezone(UTC).date() == day
        else f"{label} on {published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        for label, published_at in releases.values()
    ]
    return Cause("release", f"release{'s' if len(labels) > 1 else ''} {_joined(labels)} published")


def _joined(labels: Iterable[str]) -> str:
    labels = list(labels)
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def ci_runs(repository: Repository, day: date) -> Cause | None:
    """Far more GitHub Actions runs on `day` than usual (repositories with the CI-clone estimate on only:
    the runs are collected for them alone)."""
    if not repository.ci_runs_enabled:
        return None
    runs = dict(
        WorkflowRunDay.objects.filter(
            repository=repository, date__gte=day - timedelta(days=CI_BASELINE_DAYS), date__lte=day
        ).values_list("date", "workflow_runs")
    )
    if day not in runs:
        return None
    count = runs.pop(day)
    usual = statistics.median(runs.values()) if runs else 0
    if count < max(CI_JUMP_FACTOR * usual, usual + CI_MIN_EXCESS):
        return None
    return Cause("ci", f"{count} workflow runs (usually {usual:g}; CI checkouts count as clones)")


CAUSE_DETECTORS: list[CauseDetector] = [referrer_jump, star_jump, release_published, ci_runs]
# The metrics a detector is asked about, when not all ("views", "clones").
DETECTOR_METRICS: dict[CauseDetector, frozenset[str]] = {ci_runs: frozenset({"clones"})}


def cause_detector_register(detector: CauseDetector, *, metrics: Iterable[str] | None = None) -> CauseDetector:
    """Add a detector (usable as a decorator); registering twice is a no-op. `metrics`: only ask it about
    spikes of these metrics (default: all)."""
    if detector not in CAUSE_DETECTORS:
        CAUSE_DETECTORS.append(detector)
        if metrics is not None:
            DETECTOR_METRICS[detector] = frozenset(metrics)
    return detector


def causes_for(repository: Repository, day: date, metric: str | None = None) -> list[Cause]:
    """Every cause the registered detectors name for the repository's spike on `day`; with `metric`, only
    from the detectors that apply to it."""
    found = []
    for detector in list(CAUSE_DETECTORS):
        if metric is not None and metric not in DETECTOR_METRICS.get(detector, frozenset({metric})):
            continue
        try:
            cause = detector(repository, day)
        except Exception:
            logger.exception("cause detector %s failed for %s on %s", getattr(detector, "__name__", detector),
                             repository, day)
            continue
        if cause is not None:
            found.append(cause)
    return found
