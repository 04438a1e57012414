"""The repositories settings page: follow, import, pause and remove repositories (maintainers)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from repos import services
from repos.forms import RepositoryAddForm, RepositoryImportForm
from repos.models import Repository
from repos.selectors import (
    days_before_github_forgets,
    installation_repositories_offered,
    repository_fix_hint,
    repository_get_or_404,
    repository_list,
    today_utc,
)
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.selectors import github_app_installation_get, github_credential_get


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _repository(request: HttpRequest, owner: str, name: str) -> Repository:
    return repository_get_or_404(access=_access(request), owner=owner, name=name)


def _list_url(tenant_slug: str) -> str:
    return reverse("repo-list", kwargs={"tenant_slug": tenant_slug})


def repository_settings(request: HttpRequest, tenant_slug: str, today: date | None = None) -> HttpResponse:
    access = _access(request)
    today = today_utc(today)
    can_manage = access.has_role(Role.MAINTAINER)
    installation = github_app_installation_get(access=access)
    repositories = [
        {
            "repository": repo,
            "days_left": days_before_github_forgets(repository=repo, today=today),
            "hint": repository_fix_hint(repo),
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
            "can_manage": can_manage,
            "has_credential": installation is not None or github_credential_get(access=access) is not None,
            "installation": installation,
            "offered": installation_repositories_offered(access=access) if can_manage and installation else [],
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
        + f"; {result.existing} were already followed"
        + (f"; {result.skipped_summary} (follow filter)" if result.skipped else "")
        + ".",
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
