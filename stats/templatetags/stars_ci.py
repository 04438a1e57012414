"""The repository page's star-history and CI-clone panels: each computes its own data from the page's
context (request, repository, period), so the page includes it with one line and its view stays as is."""

from __future__ import annotations

from typing import Any

from django import template

from repos.selectors import today_utc
from stats.traffic import ci_estimates, coverage, star_history

register = template.Library()


@register.inclusion_tag("stats/_star_history.html", takes_context=True)
def star_history_panel(context: template.Context) -> dict[str, Any]:
    request, repository = context["request"], context["repository"]
    history = star_history.star_history(access=request.tenant_access, repository=repository, end=today_utc(None))
    return {
        "history": history,
        "chart": star_history.star_history_chart(history),
        "has_stars": any(point.stars is not None for point in history.points),
        "latest": next((point for point in reversed(history.points) if point.stars is not None), None),
    }


@register.inclusion_tag("stats/_ci_clones.html", takes_context=True)
def ci_clones_panel(context: template.Context) -> dict[str, Any]:
    request, repository, period = context["request"], context["repository"], context["period"]
    access = request.tenant_access
    rows: list[dict[str, Any]] = []
    if repository.ci_runs_enabled:
        points = coverage.repository_traffic_with_coverage(
            access=access, repository=repository, interval=period.interval, start=period.start, end=period.end
        )
        estimates = ci_estimates.clone_estimates(
            access=access, repository=repository, interval=period.interval, buckets=[p.date for p in points],
            start=period.start, end=period.end,
        )
        rows = [
            {"date": point.date, "clones": point.clones, "ci": estimate.ci_clones_estimate,
             "human": estimate.clones_human_estimate}
            for point, estimate in zip(points, estimates, strict=True)
        ]
    known = [row for row in rows if row["ci"] is not None]
    return {
        "repository": repository,
        "period": period,
        "rows": rows,
        "known": len(known),
        "total_clones": sum(row["clones"] or 0 for row in known),
        "total_ci": sum(row["ci"] for row in known),
        "total_human": sum(row["human"] for row in known),
        "method": ci_estimates.method_text(repository),
        "chart": {
            "labels": [row["date"].isoformat() for row in rows],
            "unit": period.interval,
            "datasets": [
                {"label": "Clones (GitHub, all)", "data": [row["clones"] for row in rows]},
                {"label": "Clones (estimated human)", "data": [row["human"] for row in rows]},
            ],
        },
        "can_manage": context.get("can_manage", False),
        "csrf_token": context.get("csrf_token"),
        "tenant_slug": access.tenant.slug,
        "checkouts": ci_estimates.factor_text(repository),
    }
