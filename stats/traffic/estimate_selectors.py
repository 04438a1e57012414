"""Top referrers and popular content over any period, estimated from the stored 14-day snapshots.

The arithmetic is in stats.traffic.referrer_estimates (pure); this module reads the snapshots in a
bounded number of queries: one repository reads every snapshot whose window touches the period
(about ten rows a day); the whole tenant reads, per repository, only the snapshots that cover the
period (about one per 14 days, `cover_dates`), in two queries whatever the number of repositories.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Literal

from repos.models import Repository
from stats.models import PathSnapshot, ReferrerSnapshot
from stats.traffic import snapshot_selectors
from stats.traffic.referrer_estimates import (
    HISTORY,
    WINDOW,
    PeriodEstimate,
    Snapshot,
    combine,
    cover_dates,
    period_estimates,
)
from tenants.access import TenantAccess

Kind = Literal["referrers", "paths"]
KINDS: tuple[Kind, ...] = ("referrers", "paths")
METHOD = (
    "Estimated from GitHub's daily 14-day top-10 snapshots: each day's views are the change between "
    "consecutive snapshots plus the day leaving the window (clipped at zero); gaps are spread evenly. "
    "Whole 14-day windows ending on a collection day are exact; low-high is what the snapshots allow. "
    "A referrer outside the top 10 on a day is unknown (at most the 10th row), not zero. "
    "Unique visitors cannot be estimated: GitHub's 14-day uniques do not add up."
)


@dataclass(frozen=True)
class TopPanel:
    """What a "Top referrers" / "Popular content" panel shows for a period."""

    kind: Kind
    entries: list  # PeriodEstimate when estimated, else snapshot_selectors.TopEntry (latest snapshot)
    estimated: bool
    start: date
    end: date
    snapshot_days: int  # distinct snapshot days whose window touches the period
    method: str = METHOD


def _model(kind: Kind) -> tuple[type[ReferrerSnapshot] | type[PathSnapshot], str]:
    return (ReferrerSnapshot, "referrer") if kind == "referrers" else (PathSnapshot, "path")


def _snapshots(rows: list[tuple], titled: bool) -> dict[int, list[Snapshot]]:
    """(repository_id, date, key, count, uniques[, title]) rows → each repository's snapshots by date."""
    grouped: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    titles: dict[tuple[int, date], dict[str, str]] = defaultdict(dict)
    for row in rows:
        grouped[(row[0], row[1])][row[2]] = row[3]
        if titled:
            titles[(row[0], row[1])][row[2]] = row[5]
    result: dict[int, list[Snapshot]] = defaultdict(list)
    for (repo_id, day), counts in sorted(grouped.items(), key=lambda item: item[0][1]):
        result[repo_id].append(Snapshot(date=day, counts=counts, titles=titles.get((repo_id, day), {})))
    return result


def period_top(
    *, access: TenantAccess, kind: Kind, start: date, end: date, repository: Repository | None = None,
    limit: int | None = 10, fallback: bool = True,
) -> TopPanel:
    """Estimated views per referrer (path) over [start, end], busiest first. With `fallback`, the latest
    snapshot instead when fewer than two snapshot days touch the period (nothing to take differences of).

    Two queries whatever the number of repositories (the fallback reads nothing more).
    """
    model, key = _model(kind)
    last = end + timedelta(days=WINDOW - 1)
    scoped = model.objects.filter(repository__in=access.repositories(), date__gte=start, date__lte=last)
    fields = ["repository_id", "date", key, "count", "uniques", *(["title"] if kind == "paths" else [])]
    if repository is not None:
        # One repository: the snapshots before the period too, which tighten its bounds (HISTORY).
        rows = list(model.objects.filter(
            repository__in=access.repositories(), repository=repository,
            date__gte=start - timedelta(days=HISTORY), date__lte=last,
        ).values_list(*fields))
        available = {repository.pk: sorted({row[1] for row in rows if row[1] >= start})}
    else:
        available = defaultdict(list)
        for repo_id, day in scoped.values_list("repository_id", "date").distinct():
            available[repo_id].append(day)
    days = len({day for dates in available.values() for day in dates})
    if fallback and days < 2:
        # GitHub's latest 14 days instead: each repository's newest snapshot inside the period.
        newest = {repo_id: max(day for day in dates if day <= end)
                  for repo_id, dates in available.items() if any(day <= end for day in dates)}
        if repository is None:
            rows = list(scoped.filter(date__in=sorted(set(newest.values()))).values_list(*fields)) if newest else []
        latest = [SimpleNamespace(**dict(zip(fields, row, strict=True)))
                  for row in rows if newest.get(row[0]) == row[1]]
        entries = snapshot_selectors.top_entries(latest, key, repository, limit or 10)
        return TopPanel(kind=kind, entries=entries, estimated=False, start=start, end=end, snapshot_days=days)
    if repository is None:
        chosen = {(repo_id, day) for repo_id, dates in available.items() for day in cover_dates(dates, start, end)}
        wanted = sorted({day for _repo, day in chosen})
        rows = [row for row in scoped.filter(date__in=wanted).values_list(*fields) if (row[0], row[1]) in chosen]
    per_repository = _snapshots(rows, titled=kind == "paths")
    entries: list[PeriodEstimate] = combine(
        (period_estimates(snapshots, start, end) for snapshots in per_repository.values()), limit=limit
    )
    return TopPanel(kind=kind, entries=entries, estimated=True, start=start, end=end, snapshot_days=days)
