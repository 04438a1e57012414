"""Tenant pages of traffic and runs, mounted under /t/<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, path

from stats.web import capacity, dashboard, notify, repository, runs

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.tenant_dashboard, name="tenant-dashboard"),
    path("traffic/", dashboard.traffic_tables, name="traffic-tables"),
    path("repos/<str:owner>/<str:name>/", repository.repository_detail, name="repo-detail"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/<int:run_id>/", runs.run_detail, name="run-detail"),
    path("collect/", runs.collect_now, name="collect-now"),
    path("capacity/", capacity.capacity, name="capacity"),
    path("notifications/", notify.notification_preferences, name="notify-preferences"),
    path("digest/preview/", notify.digest_preview, name="digest-preview"),
    path("settings/alerts/", notify.alert_webhook, name="notify-webhook"),
]
