from django.urls import URLPattern, URLResolver, path

from stats.collection import webhook

urlpatterns: list[URLPattern | URLResolver] = [
    path("collect/", webhook.collect_hook, name="collect-hook"),
]
