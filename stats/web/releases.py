"""Release downloads on the pages: the repository page's section and the dashboard's card (context
helpers the two views spread into theirs, so each page names them in one line)."""

from __future__ import annotations

from typing import Any

from repos.models import Repository
from stats.models import ReleaseAsset
from stats.traffic.periods import DateRange
from stats.traffic.releases_selectors import ReleaseReport, release_downloads
from stats.traffic.selectors import MetricCard
from tenants.access import TenantAccess

# Releases drawn as their own line in the chart (the busiest in the period); the rest only in the total.
CHART_RELEASES = 4


def releases_chart(report: ReleaseReport) -> dict[str, Any]:
    """The JSON charts.js draws: all assets, then the busiest releases; null buckets stay gaps."""
    ranked = sorted((r for r in report.releases if r.downloads), key=lambda r: -(r.downloads or 0))
    datasets = [{"label": "All releases", "data": [point.downloads for point in report.results]}]
    many_repositories = len({release.repo for release in ranked}) > 1
    for release in ranked[:CHART_RELEASES]:
        label = f"{release.repo} {release.tag}" if many_repositories else release.tag
        datasets.append({"label": label, "data": report.series_by_release(release)})
    return {"labels": [point.date.isoformat() for point in report.results], "unit": report.interval,
            "datasets": datasets, "fill": False, "spanGaps": False}


def repository_release_context(*, access: TenantAccess, repository: Repository, period: DateRange,
                               api_base: str, csv_query: str) -> dict[str, Any]:
    report = release_downloads(access=access, repository=repository, start=period.start, end=period.end,
                               interval=period.interval)
    return {
        "release_report": report,
        "releases_chart": releases_chart(report),
        "releases_has_figures": any(point.downloads is not None for point in report.results),
        "releases_csv": f"{api_base}/releases/{csv_query}",
    }


def dashboard_release_context(*, access: TenantAccess, period: DateRange) -> dict[str, Any]:
    """The card: downloads of every visible repository's releases in the period, vs the previous one,
    and the busiest release. No card for a tenant none of whose repositories has a release."""
    if not ReleaseAsset.objects.filter(repository__in=access.repositories()).exists():
        return {"release_card": None}
    report = release_downloads(access=access, start=period.start, end=period.end, interval=period.interval)
    previous = period.previous()
    before = release_downloads(access=access, start=previous.start, end=previous.end, interval=previous.interval)
    top = report.top_release
    note = f"Top: {top.repo} {top.tag} ({top.downloads:,})" if top is not None else ""
    return {"release_card": MetricCard("release_downloads", "Release downloads", report.total, before.total, note)}
