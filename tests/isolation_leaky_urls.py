"""A URLconf for the isolation sweep's own test: the project's URLs plus views that forget scoping."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from repos.models import Repository
from stats.models import DailyTraffic
from tenants.models import Tenant


def all_repositories(request: HttpRequest, tenant_slug: str) -> JsonResponse:
    # Scoped to the URL's tenant, but ignores the viewer's repository limit (access.repositories()).
    return JsonResponse({"repositories": [repository.full_name for repository in Repository.objects.all()]})


def all_tenants(request: HttpRequest, tenant_slug: str) -> JsonResponse:
    # Tenant is not a tenant-owned model: nothing scopes it.
    return JsonResponse({"tenants": [tenant.name for tenant in Tenant.objects.all()]})


def unscoped(request: HttpRequest) -> JsonResponse:
    # No tenant scope outside tenant URLs: raises ScopeError.
    return JsonResponse({"views": sum(row.views for row in DailyTraffic.objects.all())})


urlpatterns = [
    path("t/<slug:tenant_slug>/leaky/all-repositories/", all_repositories),
    path("t/<slug:tenant_slug>/leaky/tenants/", all_tenants),
    path("leaky/unscoped/", unscoped),
    path("", include("ghtraffic.urls")),
]
