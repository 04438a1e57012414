"""Top-level URLs. Tenant pages live under /t/<tenant_slug>/, the tenant API under
/api/v1/t/<tenant_slug>/; TenantMiddleware resolves `tenant_slug` for both, in one place."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ghtraffic import health
from ghtraffic.api_root import APIRootView
from repos import app_views, webhooks
from stats.web import badges, notify

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("tenants.api_urls")),
    path("t/<slug:tenant_slug>/", include("repos.api_urls")),
    path("t/<slug:tenant_slug>/", include("stats.api.urls")),
]
api_v1.append(path("", APIRootView.as_view(patterns=list(api_v1)), name="api-root"))

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/", include(api_v1)),
    path("hooks/github/", webhooks.github_app_webhook, name="github-app-hook"),
    path("hooks/", include("stats.collection.urls")),
    # Public badges (no login, outside /t/<slug>/): the token is the credential.
    path("badge/<slug:token>/<slug:metric>.svg", badges.badge_image, name="badge-svg"),
    path("badge/<slug:token>/<slug:metric>.json", badges.badge_endpoint, name="badge-json"),
    path("github-app/setup/", app_views.github_app_setup, name="github-app-setup"),
    path("notifications/unsubscribe/<str:token>/", notify.unsubscribe, name="notify-unsubscribe"),
    path("", include("tenants.urls")),
    path("t/<slug:tenant_slug>/", include("repos.urls")),
    path("t/<slug:tenant_slug>/", include("stats.web.urls")),
]
