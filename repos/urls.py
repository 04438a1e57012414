from django.urls import URLPattern, URLResolver, path

from repos import app_views, ci_estimate, filter_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("repos/", views.repository_settings, name="repo-list"),
    path("repos/add/", views.repository_add, name="repo-add"),
    path("repos/import/", views.repository_import, name="repo-import"),
    path("repos/follow-filter/", filter_views.follow_filter_settings, name="repo-follow-filter"),
    path("repos/installation/sync/", app_views.github_app_sync, name="repo-installation-sync"),
    path("repos/<str:owner>/<str:name>/active/", views.repository_toggle, name="repo-toggle"),
    path("repos/<str:owner>/<str:name>/remove/", views.repository_remove, name="repo-remove"),
    path("repos/<str:owner>/<str:name>/ci-estimate/", ci_estimate.repository_ci_estimate, name="repo-ci-estimate"),
    path("settings/credential/github-app/", app_views.github_app_connect, name="github-app-connect"),
    path("settings/credential/github-app/unlink/", app_views.github_app_unlink, name="github-app-unlink"),
]
