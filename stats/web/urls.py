"""Tenant pages of traffic and runs, mounted under /t/<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, path

from stats.web import badges, capacity, dashboard, imports, notify, repository, runs

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.tenant_dashboard, name="tenant-dashboard"),
    path("traffic/", dashboard.traffic_tables, name="traffic-tables"),
    path("repos/<str:owner>/<str:name>/", repository.repository_detail, name="repo-detail"),
    path("repos/<str:owner>/<str:name>/badges/", badges.badge_create, name="badge-create"),
    path("repos/<str:owner>/<str:name>/badges/<int:badge_id>/revoke/", badges.badge_revoke, name="badge-revoke"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/<int:run_id>/", runs.run_detail, name="run-detail"),
    path("collect/", runs.collect_now, name="collect-now"),
    path("capacity/", capacity.capacity, name="capacity"),
    path("settings/import/", imports.history_import_page, name="history-import"),
    path("notifications/", notify.notification_preferences, name="notify-preferences"),
    path("digest/preview/", notify.digest_preview, name="digest-preview"),
    path("settings/alerts/", notify.alert_webhook, name="notify-webhook"),
]
