"""The capacity page: can the tenant's GitHub budget keep every repository lossless, and what is due when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from repos.selectors import today_utc
from stats.collection.capacity import capacity_overview
from stats.collection.planner import ALL_GROUPS
from tenants.access import TenantAccess

GROUP_LABELS = {
    "metadata": "Stars and forks",
    "day": "Daily views and clones",
    "week": "Weekly uniques",
    "popular": "Referrers and paths",
}


@require_GET
def capacity(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access: TenantAccess = request.tenant_access  # type: ignore[attr-defined]
    overview = capacity_overview(access=access, today=today_utc())
    return render(
        request,
        "stats/capacity.html",
        {
            "access": access,
            "capacity": overview,
            "group_labels": [GROUP_LABELS[group.value] for group in ALL_GROUPS],
        },
    )
