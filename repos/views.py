"""Repository pages: the repositories settings page (maintainers change it) and one repository's traffic."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from repos import services
from repos.forms import RepositoryAddForm, RepositoryImportForm
from repos.models import Repository
from repos.selectors import error_fix_hint, repository_for, repository_list
from stats import selectors
from stats.periods import today_utc
from stats.views import chart_spec, period_context, query_url, ui_range
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.selectors import github_credential_get


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _repository(request: HttpRequest, owner: str, name: str) -> Repository:
    repository = repository_for(access=_access(request), owner=owner, name=name)
    if repository is None:
        raise Http404("No such repository")
    return repository


def _list_url(tenant_slug: str) -> str:
    return reverse("repo-list", kwargs={"tenant_slug": tenant_slug})


def repository_settings(request: HttpRequest, tenant_slug: str, today: date | None = None) -> HttpResponse:
    access = _access(request)
    today = today_utc(today)
    repositories = [
        {
            "repository": repo,
            "days_left": selectors.days_before_github_forgets(repository=repo, today=today),
            "hint": error_fix_hint(repo.last_error),
        }
        for repo in repository_list(access=access)
    ]
    return render(
        request,
        "repos/settings.html",
        {
            "repositories": repositories,
            "add_form": RepositoryAddForm(),
            "import_form": RepositoryImportForm(),
            "can_manage": access.has_role(Role.MAINTAINER),
            "has_credential": github_credential_get(access=access) is not None,
        },
    )


@require_POST
@tenant_role_required(Role.MAINTAINER)
def repository_add(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = RepositoryAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["full_name"][0])
        return redirect(_list_url(tenant_slug))
    try:
        repository = services.repository_add(tenant=_access(request).tenant, full_name=form.cleaned_data["full_name"])
    except services.RepositoryExists as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Now following {repository.full_name}. Its traffic appears after the next collection."
        )
    return redirect(_list_url(tenant_slug))


@require_POST
@tenant_role_required(Role.MAINTAINER)
def repository_import(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = RepositoryImportForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Organization: {form.errors['org'][0]}")
        return redirect(_list_url(tenant_slug))
    try:
        found = services.github_repositories(tenant=_access(request).tenant, org=form.cleaned_data["org"] or None)
    except services.ImportUnavailable as error:
        messages.error(request, str(error))
        return redirect(_list_url(tenant_slug))
    result = services.repositories_import(tenant=_access(request).tenant, repositories=found)
    messages.success(
        request,
        f"Imported {len(result.added)} new repositories"
        + (f", switched {len(result.reactivated)} back on" if result.reactivated else "")
        + f"; {result.existing} were already followed.",
    )
    return redirect(_list_url(tenant_slug))


@require_POST
@tenant_role_required(Role.MAINTAINER)
def repository_toggle(request: HttpRequest, tenant_slug: str, owner: str, name: str) -> HttpResponse:
    repository = _repository(request, owner, name)
    active = request.POST.get("active") == "1"
    services.repository_set_active(repository=repository, active=active)
    state = "active again" if active else "paused: it is no longer collected"
    messages.success(request, f"{repository.full_name} is {state}.")
    return redirect(_list_url(tenant_slug))


@require_POST
@tenant_role_required(Role.MAINTAINER)
def repository_remove(request: HttpRequest, tenant_slug: str, owner: str, name: str) -> HttpResponse:
    repository = _repository(request, owner, name)
    full_name = repository.full_name
    services.repository_remove(repository=repository)
    messages.success(request, f"Removed {full_name} and its stored history.")
    return redirect(_list_url(tenant_slug))


def repository_detail(
    request: HttpRequest, tenant_slug: str, owner: str, name: str, today: date | None = None
) -> HttpResponse:
    access = _access(request)
    today = today_utc(today)
    repository = _repository(request, owner, name)
    period, error = ui_range(request, access=access, today=today)
    points = selectors.repository_traffic_series(
        access=access, repository=repository, interval=period.interval, start=period.start, end=period.end
    )
    metrics = selectors.repository_metrics_series(
        access=access, repository=repository, start=period.start, end=period.end
    )
    # The strip shows at most the last year of the period, one cell per day.
    coverage_start = max(period.start, period.end - timedelta(days=365))
    coverage = selectors.repository_coverage(
        access=access, repository=repository, start=coverage_start, end=period.end
    )
    api_base = f"/api/v1/t/{tenant_slug}/repos/{repository.owner}/{repository.name}"
    csv_params = {"from": period.start.isoformat(), "to": period.end.isoformat(), "format": "csv"}
    totals = selectors.totals_of(points)
    known_days = sum(1 for day in coverage if day.known)
    context = {
        **period_context(request, period),
        "error": error,
        "repository": repository,
        "totals": totals,
        "has_data": any(point.views is not None for point in points),
        "views_chart": chart_spec(points, [("views", "Views"), ("unique_views", "Unique visitors")], period.interval),
        "clones_chart": chart_spec(
            points, [("clones", "Clones"), ("unique_clones", "Unique cloners")], period.interval
        ),
        "metrics_chart": {
            **chart_spec(metrics, [("stars", "Stars"), ("forks", "Forks")], "day"), "zero": False, "fill": False
        },
        "has_metrics": any(point.stars is not None for point in metrics),
        "referrer_trend": selectors.referrer_trend(
            access=access, repository=repository, start=period.start, end=period.end
        ),
        "referrers": selectors.top_referrers(
            access=access, start=period.start, end=period.end, repository=repository
        ),
        "paths": selectors.top_paths(access=access, start=period.start, end=period.end, repository=repository),
        "coverage": coverage,
        "coverage_known": known_days,
        "coverage_gaps": len(coverage) - known_days,
        "days_left": selectors.days_before_github_forgets(repository=repository, today=today),
        "fix_hint": error_fix_hint(repository.last_error),
        "unique_note": {
            "day": "Unique visitors are GitHub's daily counts.",
            "week": "Unique visitors are GitHub's own weekly counts.",
            "month": "GitHub gives no monthly uniques, so none are shown.",
        }[period.interval],
        "csv_links": [
            ("Traffic", f"{api_base}/traffic/" + query_url({**csv_params, "interval": period.interval})),
            ("Referrers", f"{api_base}/referrers/" + query_url(csv_params)),
            ("Paths", f"{api_base}/paths/" + query_url(csv_params)),
            ("Stars", f"{api_base}/stars/" + query_url(csv_params)),
        ],
        "can_manage": access.has_role(Role.MAINTAINER),
    }
    return render(request, "repos/detail.html", context)
