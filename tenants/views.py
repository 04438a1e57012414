from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tenants.models import Tenant


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """`/` goes to the user's only tenant, or to a picker when there are several."""
    tenants = list(Tenant.objects.filter(memberships__user=request.user).order_by("name"))
    if len(tenants) == 1:
        return redirect("tenant-dashboard", tenant_slug=tenants[0].slug)
    return render(request, "tenants/picker.html", {"tenants": tenants})


def dashboard_placeholder(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return render(request, "tenants/picker.html", {"tenants": [request.tenant_access.tenant]})  # type: ignore[attr-defined]
