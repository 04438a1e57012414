"""The follow filter settings page (tenant admins): which repositories imports and the GitHub App
installation start following, with a preview over the installation's current repositories."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from repos.follow_filters import FilterDecision, follow_filter_allows, follow_filter_of, follow_filter_set
from repos.forms import FollowFilterForm
from repos.github import RepoInfo
from repos.models import FollowFilter, InstallationRepository
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.selectors import github_app_installation_get


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _preview(*, access: TenantAccess, follow_filter: FollowFilter | None) -> list[tuple[str, FilterDecision]]:
    rows = InstallationRepository.objects.filter(tenant=access.tenant).order_by("owner", "name")
    return [
        (row.full_name, follow_filter_allows(follow_filter, RepoInfo(
            github_id=row.github_id, owner=row.owner, name=row.name, private=row.private, archived=row.archived,
            fork=row.fork,
        )))
        for row in rows
    ]


@tenant_role_required(Role.ADMIN)
def follow_filter_settings(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = _access(request)
    saved = follow_filter_of(tenant=access.tenant)
    candidate = saved
    if request.method == "POST":
        form = FollowFilterForm(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            if "preview" not in request.POST:
                follow_filter_set(tenant=access.tenant, **values)
                messages.success(request, "Follow filter saved. It applies to the next import and App additions; "
                                          "repositories already followed stay followed.")
                return redirect(reverse("repo-follow-filter", kwargs={"tenant_slug": tenant_slug}))
            candidate = FollowFilter(tenant=access.tenant, **values)
    else:
        initial = {} if saved is None else {
            "include_forks": saved.include_forks, "include_archived": saved.include_archived,
            "include_private": saved.include_private, "patterns": saved.patterns,
        }
        form = FollowFilterForm(initial=initial)
    preview = _preview(access=access, follow_filter=candidate)
    return render(request, "repos/follow_filter.html", {
        "form": form,
        "installation": github_app_installation_get(access=access),
        "preview": preview,
        "preview_included": sum(1 for _, decision in preview if decision.allowed),
        "previewing_unsaved": candidate is not saved,
    })
