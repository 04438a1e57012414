from django.urls import URLPattern, URLResolver, path

from tenants import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("tenants/", api.TenantListView.as_view(), name="api-tenants"),
    path("t/<slug:tenant_slug>/members/", api.MemberListView.as_view(), name="api-members"),
]
