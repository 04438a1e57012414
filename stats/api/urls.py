"""The traffic and runs API, mounted under /api/v1/t/<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, path

from stats.api import badges, releases, runs, star_history, traffic

urlpatterns: list[URLPattern | URLResolver] = [
    path("traffic/", traffic.TenantTrafficView.as_view(), name="api-tenant-traffic"),
    path("referrers/", traffic.TenantReferrersView.as_view(), name="api-tenant-referrers"),
    path("paths/", traffic.TenantPathsView.as_view(), name="api-tenant-paths"),
    path("repos/<str:owner>/<str:name>/traffic/", traffic.RepositoryTrafficView.as_view(), name="api-repo-traffic"),
    path("repos/<str:owner>/<str:name>/referrers/", traffic.ReferrersView.as_view(), name="api-repo-referrers"),
    path("repos/<str:owner>/<str:name>/paths/", traffic.PathsView.as_view(), name="api-repo-paths"),
    path("repos/<str:owner>/<str:name>/stars/", traffic.StarsView.as_view(), name="api-repo-stars"),
    path("repos/<str:owner>/<str:name>/badges/", badges.BadgeListView.as_view(), name="api-repo-badges"),
    path(
        "repos/<str:owner>/<str:name>/badges/<str:badge_id>/", badges.BadgeDetailView.as_view(), name="api-repo-badge"
    ),
    path("repos/<str:owner>/<str:name>/releases/", releases.RepositoryReleasesView.as_view(), name="api-repo-releases"),
    path("repos/<str:owner>/<str:name>/stars/history/", star_history.StarHistoryView.as_view(),
         name="api-repo-star-history"),
    path("collect/", runs.CollectView.as_view(), name="api-collect"),
    path("runs/", runs.RunListView.as_view(), name="api-runs"),
]
