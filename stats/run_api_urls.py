from django.urls import URLPattern, URLResolver, path

from stats import run_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("collect/", run_api.CollectView.as_view(), name="api-collect"),
    path("runs/", run_api.RunListView.as_view(), name="api-runs"),
]
