from django.urls import URLPattern, URLResolver, path

from repos import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("repos/", api.RepositoryListView.as_view(), name="api-repos"),
    path("repos/<str:owner>/<str:name>/", api.RepositoryDetailView.as_view(), name="api-repo"),
]
