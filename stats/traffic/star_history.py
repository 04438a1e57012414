"""Star history of one repository, from its first star: the daily stars a collection saw, and before
(or between) them the count rebuilt from GitHub's stargazer list (stats.collection.optional).

What a rebuilt day means: GitHub lists the people who star the repository *now*, with when they
starred; someone who unstarred is gone from the list. A rebuilt day is therefore "today's stargazers
who had starred by then", which can be lower than what GitHub showed that day. A day a collection saw
keeps GitHub's own count: the rebuilt figure never replaces it (collected days are the stored truth;
the list only fills the days no collection saw).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from repos.models import Repository
from stats.models import RepositoryMetrics, StargazerDay
from stats.traffic.periods import bucket_starts
from tenants.access import TenantAccess

CAP_STARS = 40_000
COLLECTED, REBUILT = "collected", "rebuilt"


@dataclass(frozen=True)
class StarPoint:
    date: date
    stars: int | None
    source: str  # "collected", "rebuilt", or "" for an unknown day


@dataclass(frozen=True)
class StarHistory:
    repository: Repository
    points: list[StarPoint]
    first_star: date | None  # from the stargazer list (None until the backfill is complete)
    first_collected: date | None
    backfilled_on: date | None
    capped: bool
    error: str

    @property
    def state(self) -> str:
        """complete | capped | pending | failed: what the page says about the rebuilt part."""
        if self.backfilled_on is not None:
            return "complete"
        if self.capped:
            return "capped"
        return "failed" if self.error else "pending"

    @property
    def note(self) -> str:
        if self.state == "capped":
            since = f" ({self.first_collected:%-d %b %Y})" if self.first_collected else ""
            return (f"GitHub lists only the first {CAP_STARS:,} stargazers, so the days before tracking began "
                    f"cannot be rebuilt: the history starts at the first day collected{since}.")
        if self.state == "complete":
            return ("Days no collection saw are rebuilt from GitHub's stargazer list: today's stargazers by the day "
                    "they starred (people who unstarred since are not counted). Days a collection saw show GitHub's "
                    "count of that day.")
        if self.state == "failed":
            return f"The stargazer list could not be read: {self.error}"
        return ("The history before tracking began is being rebuilt from GitHub's stargazer list, with the "
                "collection budget left over.")


def star_history(
    *, access: TenantAccess, repository: Repository, start: date | None = None, end: date
) -> StarHistory:
    """Daily stars from the first star (or the first collected day) to `end`, or from `start` (2 queries)."""
    visible = access.repositories()
    collected = dict(
        RepositoryMetrics.objects.filter(repository__in=visible, repository=repository, date__lte=end)
        .values_list("date", "stars")
    )
    first_collected = min(collected, default=None)
    backfilled = repository.stargazers_backfilled_on is not None
    rebuilt: dict[date, int] = {}
    first_star = None
    if backfilled:
        per_day = list(
            StargazerDay.objects.filter(repository__in=visible, repository=repository, date__lte=end)
            .order_by("date").values_list("date", "stars")
        )
        first_star = per_day[0][0] if per_day else None
        rebuilt = dict(per_day)
    origin = min((day for day in (first_star, first_collected) if day is not None), default=None)
    # The list was last read on this day: later days are known from collections only.
    rebuilt_until = repository.stargazers_fetched_on if backfilled else None
    points: list[StarPoint] = []
    if origin is not None:
        running = 0
        for day in bucket_starts(origin, end, "day"):
            running += rebuilt.get(day, 0)
            if start is not None and day < start:
                continue
            if day in collected:
                points.append(StarPoint(day, collected[day], COLLECTED))
            elif first_star is not None and rebuilt_until is not None and first_star <= day <= rebuilt_until:
                points.append(StarPoint(day, running, REBUILT))
            else:
                points.append(StarPoint(day, None, ""))
    return StarHistory(
        repository=repository, points=points, first_star=first_star, first_collected=first_collected,
        backfilled_on=repository.stargazers_backfilled_on, capped=repository.stargazers_capped,
        error=repository.stargazers_error,
    )


def star_history_chart(history: StarHistory) -> dict[str, object]:
    """The chart spec (static/js/charts.js): one level line, rebuilt days in their own muted series."""
    labels = [point.date.isoformat() for point in history.points]
    return {
        "labels": labels,
        "unit": "day",
        # From the first star the line starts near 0; a capped history starts at tens of thousands.
        "zero": history.first_star is not None,
        "fill": False,
        "tension": 0,
        "spanGaps": True,
        "datasets": [
            {"label": "Stars (collected)",
             "data": [point.stars if point.source == COLLECTED else None for point in history.points]},
            {"label": "Stars (rebuilt from the stargazer list)", "muted": True,
             "data": [point.stars if point.source == REBUILT else None for point in history.points]},
        ],
    }
