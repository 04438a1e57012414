"""Turning a repository's CI-clone estimate on or off (maintainers): the service, its form and its view.

On: the collection also counts the repository's GitHub Actions workflow runs per day (an optional group,
budget permitting; stats.collection.optional), and the traffic pages and API show clones (estimated
human) beside GitHub's total.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from repos.models import Repository
from repos.selectors import repository_get_or_404
from tenants.decorators import tenant_role_required
from tenants.models import Role

MAX_CHECKOUTS_PER_RUN = Decimal("20")


def repository_ci_estimate_set(*, repository: Repository, enabled: bool, checkouts_per_run: Decimal) -> Repository:
    if not Decimal(0) < checkouts_per_run <= MAX_CHECKOUTS_PER_RUN:
        raise ValueError(f"checkouts per run must be more than 0 and at most {MAX_CHECKOUTS_PER_RUN}")
    repository.ci_runs_enabled, repository.ci_checkouts_per_run = enabled, checkouts_per_run
    fields = ["ci_runs_enabled", "ci_checkouts_per_run"]
    if enabled:
        repository.ci_runs_error = ""  # a new try: the next collection reads the runs again
        fields.append("ci_runs_error")
    repository.save(update_fields=fields)
    return repository


class CIEstimateForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    checkouts_per_run = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=MAX_CHECKOUTS_PER_RUN, max_digits=4, decimal_places=2, initial=1,
        error_messages={"invalid": "checkouts per run must be a number such as 1 or 0.5"},
    )


@require_POST
@tenant_role_required(Role.MAINTAINER)
def repository_ci_estimate(request: HttpRequest, tenant_slug: str, owner: str, name: str) -> HttpResponse:
    repository = repository_get_or_404(access=request.tenant_access, owner=owner,  # type: ignore[attr-defined]
                                       name=name)
    back = reverse("repo-detail", kwargs={"tenant_slug": tenant_slug, "owner": repository.owner,
                                          "name": repository.name})
    form = CIEstimateForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{field.replace('_', ' ')}: {errors[0]}")
        return redirect(back)
    repository_ci_estimate_set(repository=repository, enabled=form.cleaned_data["enabled"],
                               checkouts_per_run=form.cleaned_data["checkouts_per_run"])
    if form.cleaned_data["enabled"]:
        messages.success(request, f"CI-clone estimate on for {repository.full_name}: workflow runs are counted from "
                                  "the next collection, budget permitting.")
    else:
        messages.success(request, f"CI-clone estimate off for {repository.full_name}.")
    return redirect(back)
