"""The daily spike check: per repository, a complete day's views and clones against its recent baseline.

A day is checked once the repository was collected after the day ended (before that GitHub's count for it
may still grow). Baseline: the median of the repository's previous BASELINE_DAYS covered days (days with a
stored row; unknown days are not zeros), needing at least MIN_BASELINE_DAYS of them. A spike is a count of
at least max(SPIKE_FACTOR * baseline, baseline + SPIKE_MIN_EXCESS, SPIKE_FLOOR): three times the usual and
clearly more in absolute terms, so a repository going from 1 view to 4 is not an alert.

Alerts are stored (one per repository, day and metric: re-running the check finds them again), their likely
causes named by the cause detectors (stats.notify.causes), and delivered once (stats.notify.delivery).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from repos.models import Repository
from stats.models import AlertCause, DailyTraffic, TrafficAlert
from stats.notify.causes import causes_for
from stats.notify.delivery import alerts_deliver
from tenants.models import Tenant

BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 7
SPIKE_FACTOR = 3
SPIKE_MIN_EXCESS = {"views": 25, "clones": 10}
SPIKE_FLOOR = {"views": 50, "clones": 20}
# Days before today the daily check looks at: a day whose collection came late is still checked.
CHECK_DAYS = 3
METRICS = ("views", "clones")


@dataclass(frozen=True)
class Spike:
    repository: Repository
    day: date
    metric: str
    count: int
    baseline: int


def spike_threshold(*, metric: str, baseline: float) -> int:
    return int(max(SPIKE_FACTOR * baseline, baseline + SPIKE_MIN_EXCESS[metric], SPIKE_FLOOR[metric]))


def _day_complete(repository: Repository, day: date) -> bool:
    collected = repository.last_success_at
    return collected is not None and collected.astimezone(UTC).date() > day


def spikes_find(*, tenant: Tenant, days: list[date]) -> list[Spike]:
    """Spikes of the tenant's active repositories on these (complete) days. 2 queries."""
    if not days:
        return []
    repositories = {r.pk: r for r in Repository.objects.filter(tenant=tenant, active=True)}
    rows = DailyTraffic.objects.filter(
        repository_id__in=list(repositories), date__gte=min(days) - timedelta(days=BASELINE_DAYS), date__lte=max(days)
    ).values_list("repository_id", "date", "views", "clones")
    series: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for repository_id, day, views, clones in rows:
        series[repository_id][day] = (views, clones)
    spikes = []
    for repository_id, by_day in series.items():
        repository = repositories[repository_id]
        for day in sorted(days):
            if day not in by_day or not _day_complete(repository, day):
                continue
            window = [by_day[d] for d in by_day if day - timedelta(days=BASELINE_DAYS) <= d < day]
            if len(window) < MIN_BASELINE_DAYS:
                continue
            for index, metric in enumerate(METRICS):
                baseline = statistics.median(values[index] for values in window)
                count = by_day[day][index]
                if count >= spike_threshold(metric=metric, baseline=baseline):
                    spikes.append(Spike(repository, day, metric, count, round(baseline)))
    spikes.sort(key=lambda s: (s.day, s.repository.full_name.lower(), METRICS.index(s.metric)))
    return spikes


def _alert_store(spike: Spike, causes: dict[tuple[int, date, str], list]) -> TrafficAlert | None:
    """The spike's alert, created with its causes the first time; None when it existed already."""
    try:
        with transaction.atomic():
            alert = TrafficAlert.objects.create(
                repository=spike.repository, date=spike.day, metric=spike.metric, count=spike.count,
                baseline=spike.baseline,
            )
            key = (spike.repository.pk, spike.day, spike.metric)
            if key not in causes:  # some detectors apply to one metric only (CI runs: clones)
                causes[key] = causes_for(spike.repository, spike.day, spike.metric)
            AlertCause.objects.bulk_create(
                [AlertCause(alert=alert, kind=cause.kind, summary=cause.summary[:500]) for cause in causes[key]]
            )
    except IntegrityError:
        return None
    return alert


def alerts_check(
    *, tenant: Tenant, today: date | None = None, deliver: bool = True, now: datetime | None = None
) -> list[TrafficAlert]:
    """Find and store the spikes of the days before `today` (UTC) and deliver the new ones. Idempotent:
    a spike already stored is neither stored nor delivered again. Returns the alerts created now."""
    today = today or timezone.now().astimezone(UTC).date()
    days = [today - timedelta(days=back) for back in range(CHECK_DAYS, 0, -1)]
    causes: dict[tuple[int, date, str], list] = {}
    created = [alert for spike in spikes_find(tenant=tenant, days=days)
               if (alert := _alert_store(spike, causes)) is not None]
    if deliver:
        alerts_deliver(tenant=tenant, now=now)
    return created
