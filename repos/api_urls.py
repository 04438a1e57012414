from django.urls import URLPattern, URLResolver, path

from repos import api, credential_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("repos/", api.RepositoryListView.as_view(), name="api-repos"),
    path("github-credential/", credential_api.GitHubCredentialView.as_view(), name="api-github-credential"),
    path("repos/<str:owner>/<str:name>/", api.RepositoryDetailView.as_view(), name="api-repo"),
]
