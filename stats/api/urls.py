"""The traffic and runs API, mounted under /api/v1/t/<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, path

from stats.api import badges, runs, traffic

urlpatterns: list[URLPattern | URLResolver] = [
    path("traffic/", traffic.TenantTrafficView.as_view(), name="api-tenant-traffic"),
    path("repos/<str:owner>/<str:name>/traffic/", traffic.RepositoryTrafficView.as_view(), name="api-repo-traffic"),
    path("repos/<str:owner>/<str:name>/referrers/", traffic.ReferrersView.as_view(), name="api-repo-referrers"),
    path("repos/<str:owner>/<str:name>/paths/", traffic.PathsView.as_view(), name="api-repo-paths"),
    path("repos/<str:owner>/<str:name>/stars/", traffic.StarsView.as_view(), name="api-repo-stars"),
    path("repos/<str:owner>/<str:name>/badges/", badges.BadgeListView.as_view(), name="api-repo-badges"),
    path(
        "repos/<str:owner>/<str:name>/badges/<str:badge_id>/", badges.BadgeDetailView.as_view(), name="api-repo-badge"
    ),
    path("collect/", runs.CollectView.as_view(), name="api-collect"),
    path("runs/", runs.RunListView.as_view(), name="api-runs"),
]
