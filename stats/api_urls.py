from django.urls import URLPattern, URLResolver, path

from stats import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("traffic/", api.TenantTrafficView.as_view(), name="api-tenant-traffic"),
    path("repos/<str:owner>/<str:name>/traffic/", api.RepositoryTrafficView.as_view(), name="api-repo-traffic"),
    path("repos/<str:owner>/<str:name>/referrers/", api.ReferrersView.as_view(), name="api-repo-referrers"),
    path("repos/<str:owner>/<str:name>/paths/", api.PathsView.as_view(), name="api-repo-paths"),
    path("repos/<str:owner>/<str:name>/stars/", api.StarsView.as_view(), name="api-repo-stars"),
]
