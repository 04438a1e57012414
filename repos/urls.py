from django.urls import URLPattern, URLResolver, path

from repos import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("repos/", views.repository_settings, name="repo-list"),
    path("repos/add/", views.repository_add, name="repo-add"),
    path("repos/import/", views.repository_import, name="repo-import"),
    path("repos/<str:owner>/<str:name>/active/", views.repository_toggle, name="repo-toggle"),
    path("repos/<str:owner>/<str:name>/remove/", views.repository_remove, name="repo-remove"),
]
