from django.urls import URLPattern, URLResolver, path

from stats import run_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("runs/", run_views.run_list, name="runs"),
    path("runs/<int:run_id>/", run_views.run_detail, name="run-detail"),
    path("collect/", run_views.collect_now, name="collect-now"),
]
