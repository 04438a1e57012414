"""One repository's traffic page: charts, referrers and paths over time, stars, coverage, CSV links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from repos.models import Repository
from repos.selectors import days_before_github_forgets, repository_fix_hint, repository_get_or_404
from stats.traffic import coverage, estimate_selectors, selectors, snapshot_selectors
from stats.traffic.periods import today_utc
from stats.traffic.snapshot_selectors import CoverageDay, MetricsPoint
from stats.web.badges import badge_panel_context
from stats.web.dashboard import chart_spec, period_context, query_url, ui_range
from stats.web.releases import repository_release_context
from tenants.access import TenantAccess
from tenants.models import Role


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _repository(request: HttpRequest, owner: str, name: str) -> Repository:
    return repository_get_or_404(access=_access(request), owner=owner, name=name)


@dataclass(frozen=True)
class CoverageMonth:
    start: date
    days: list[CoverageDay]

    @property
    def known(self) -> int:
        return sum(1 for day in self.days if day.known)


def coverage_months(days: list[CoverageDay]) -> list[CoverageMonth]:
    """The coverage strip's days grouped by calendar month, so each row can be labelled."""
    months: list[CoverageMonth] = []
    for day in days:
        if not months or months[-1].start != day.date.replace(day=1):
            months.append(CoverageMonth(day.date.replace(day=1), []))
        months[-1].days.append(day)
    return months


def stars_chart(metrics: list[MetricsPoint]) -> dict[str, Any]:
    """Stars on the left axis and forks on the right, each fitted to its own values (not from 0), so a
    change of a few stars on hundreds is visible instead of a flat line next to the forks."""
    spec = chart_spec(metrics, [("stars", "Stars"), ("forks", "Forks")], "day")
    if len(spec["datasets"]) > 1:
        spec["datasets"][1]["axis"] = "y1"
    # Stars are a level, not a count per day: a line may join the days a collection saw.
    return {**spec, "zero": False, "fill": False, "tension": 0, "spanGaps": True}


def repository_detail(
    request: HttpRequest, tenant_slug: str, owner: str, name: str, today: date | None = None
) -> HttpResponse:
    access = _access(request)
    today = today_utc(today)
    repository = _repository(request, owner, name)
    period, error = ui_range(request, access=access, today=today)
    points = coverage.repository_traffic_with_coverage(
        access=access, repository=repository, interval=period.interval, start=period.start, end=period.end
    )
    metrics = snapshot_selectors.repository_metrics_series(
        access=access, repository=repository, start=period.start, end=period.end
    )
    # The strip shows at most the last year of the period, one cell per day.
    coverage_start = max(period.start, period.end - timedelta(days=365))
    days = snapshot_selectors.repository_coverage(
        access=access, repository=repository, start=coverage_start, end=period.end
    )
    api_base = f"/api/v1/t/{tenant_slug}/repos/{repository.owner}/{repository.name}"
    csv_params = {"from": period.start.isoformat(), "to": period.end.isoformat(), "format": "csv"}
    totals = selectors.totals_of(points)
    known_days = sum(1 for day in days if day.known)
    context = {
        **period_context(request, period),
        "error": error,
        "repository": repository,
        "totals": totals,
        "has_data": any(point.views is not None for point in points),
        "views_chart": chart_spec(
            points, [("views", "Views"), ("unique_views", "Unique visitors")], period.interval, period=period,
            today=today,
        ),
        "clones_chart": chart_spec(
            points, [("clones", "Clones"), ("unique_clones", "Unique cloners")], period.interval, period=period,
            today=today,
        ),
        "partial_buckets": sum(1 for point in points if point.views is not None and not point.complete),
        "metrics_chart": stars_chart(metrics),
        "has_metrics": any(point.stars is not None for point in metrics),
        "referrer_trend": snapshot_selectors.referrer_trend(
            access=access, repository=repository, start=period.start, end=period.end
        ),
        "referrers": estimate_selectors.period_top(
            access=access, kind="referrers", start=period.start, end=period.end, repository=repository
        ),
        "paths": estimate_selectors.period_top(
            access=access, kind="paths", start=period.start, end=period.end, repository=repository
        ),
        "coverage": days,
        "coverage_months": coverage_months(days),
        "coverage_known": known_days,
        "coverage_gaps": len(days) - known_days,
        "days_left": days_before_github_forgets(repository=repository, today=today),
        "fix_hint": repository_fix_hint(repository),
        "unique_note": {
            "day": "Unique visitors are GitHub's daily counts.",
            "week": "Unique visitors are GitHub's own weekly counts.",
            "month": "GitHub gives no monthly uniques, so none are shown.",
        }[period.interval],
        "csv_links": [
            ("Traffic CSV", f"{api_base}/traffic/" + query_url({**csv_params, "interval": period.interval})),
            ("Referrers CSV", f"{api_base}/referrers/" + query_url(csv_params)),
            ("Paths CSV", f"{api_base}/paths/" + query_url(csv_params)),
            ("Estimated referrers CSV", f"{api_base}/referrers/" + query_url({**csv_params, "aggregate": "period"})),
            ("Stars CSV", f"{api_base}/stars/" + query_url(csv_params)),
        ],
        "can_manage": access.has_role(Role.MAINTAINER),
        **badge_panel_context(request, repository),
        **repository_release_context(access=access, repository=repository, period=period, api_base=api_base,
                                     csv_query=query_url({**csv_params, "interval": period.interval})),
    }
    return render(request, "repos/detail.html", context)
