"""Reads for badges: the public lookup by token, a metric's value, a repository's active badges.

A badge shows one number and nothing else. Unknown is shown as "no data", never as zero (a missing
DailyTraffic row is a day no collection covered); uniques are never shown (they cannot be summed)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from repos.models import Repository
from stats.models import Badge, DailyTraffic, RepositoryMetrics

Metric = Badge.Metric

# The label on the badge (left, grey) per metric.
LABELS: dict[str, str] = {
    Metric.VIEWS_14D: "views (14d)",
    Metric.VIEWS_TOTAL: "views (total)",
    Metric.CLONES_TOTAL: "clones (total)",
    Metric.STARS: "stars",
}
# shields.io named colours (the endpoint JSON) and their hex values (our SVG).
COLORS: dict[str, str] = {
    "blue": "#007ec6", "brightgreen": "#4c1", "yellow": "#dfb317", "lightgrey": "#9f9f9f",
}
METRIC_COLORS: dict[str, str] = {
    Metric.VIEWS_14D: "blue", Metric.VIEWS_TOTAL: "blue", Metric.CLONES_TOTAL: "brightgreen", Metric.STARS: "yellow",
}
NO_DATA = "no data"


@dataclass(frozen=True)
class BadgeValue:
    metric: str
    label: str
    message: str
    color: str  # a key of COLORS

    @property
    def hex_color(self) -> str:
        return COLORS[self.color]


def compact_number(value: int) -> str:
    """1234 → "1.2k", 56789 → "56.7k", 1234567 → "1.2M": rounded down, so a badge never overstates."""
    if value < 1000:
        return str(value)
    for divisor, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= divisor:
            scaled = value / divisor
            if scaled >= 100:
                return f"{math.floor(scaled)}{suffix}"
            shown = math.floor(scaled * 10) / 10
            return f"{shown:.1f}".removesuffix(".0") + suffix
    return str(value)  # pragma: no cover - unreachable


def badge_by_token(*, token: str) -> Badge | None:
    """The active badge with this token (the caller is in a scope that may see it), else None."""
    if not token or len(token) > 64:
        return None
    return Badge.objects.select_related("repository").filter(token=token, revoked_at__isnull=True).first()


def _raw_value(*, repository: Repository, metric: str, today: date) -> int | None:
    if metric == Metric.STARS:
        latest = RepositoryMetrics.objects.filter(repository=repository).order_by("-date").first()
        return latest.stars if latest is not None else None
    rows = DailyTraffic.objects.filter(repository=repository)
    if metric == Metric.VIEWS_14D:
        # The 14 complete UTC days before today (today's bucket is still growing).
        rows = rows.filter(date__gte=today - timedelta(days=14), date__lt=today)
    field = "clones" if metric == Metric.CLONES_TOTAL else "views"
    return rows.aggregate(total=Sum(field))["total"]  # None when no day is known


def badge_value(*, badge: Badge, metric: str, today: date) -> BadgeValue:
    value = _raw_value(repository=badge.repository, metric=metric, today=today)
    return BadgeValue(
        metric=metric,
        label=LABELS[metric],
        message=NO_DATA if value is None else compact_number(value),
        color="lightgrey" if value is None else METRIC_COLORS[metric],
    )


def badges_of(*, repository: Repository) -> list[Badge]:
    """The repository's badges that still answer (newest first)."""
    return list(Badge.objects.filter(repository=repository, revoked_at__isnull=True))
