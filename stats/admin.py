from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from stats.models import (
    AlertWebhook,
    CollectionRun,
    DailyTraffic,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMetrics,
    RunItem,
    TrafficAlert,
    WeeklyTraffic,
)


class RepoDataAdmin(admin.ModelAdmin):
    list_select_related = ["repository"]
    list_filter = ["repository__tenant"]
    search_fields = ["repository__owner", "repository__name"]
    date_hierarchy = "date"


@admin.register(DailyTraffic)
class DailyTrafficAdmin(RepoDataAdmin):
    list_display = ["repository", "date", "views", "unique_views", "clones", "unique_clones"]


@admin.register(WeeklyTraffic)
class WeeklyTrafficAdmin(RepoDataAdmin):
    list_display = ["repository", "week_start", "views", "unique_views", "clones", "unique_clones"]
    date_hierarchy = "week_start"


@admin.register(ReferrerSnapshot)
class ReferrerSnapshotAdmin(RepoDataAdmin):
    list_display = ["repository", "date", "referrer", "count", "uniques"]


@admin.register(PathSnapshot)
class PathSnapshotAdmin(RepoDataAdmin):
    list_display = ["repository", "date", "path", "title", "count", "uniques"]


@admin.register(RepositoryMetrics)
class RepositoryMetricsAdmin(RepoDataAdmin):
    list_display = ["repository", "date", "stars", "forks", "watchers", "open_issues"]


class RunItemInline(admin.TabularInline):
    model = RunItem
    extra = 0
    can_delete = False
    fields = ["repository", "status", "api_requests", "not_modified", "days_stored", "error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CollectionRun)
class CollectionRunAdmin(admin.ModelAdmin):
    """Runs are records of what happened: read-only."""

    list_display = ["id", "tenant", "trigger", "status", "created", "finished", "repos_ok", "repos_failed"]
    list_filter = ["status", "trigger", "tenant"]
    inlines = [RunItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TrafficAlert)
class TrafficAlertAdmin(RepoDataAdmin):
    list_display = ["repository", "date", "metric", "count", "baseline", "delivered_at"]
    list_filter = ["repository__tenant", "metric"]


@admin.register(AlertWebhook)
class AlertWebhookAdmin(admin.ModelAdmin):
    list_display = ["tenant", "url", "enabled", "last_status"]
    # The signing secret stays out of the admin, like the GitHub token.
    exclude = ["secret_encrypted"]
    readonly_fields = ["last_status"]
    # A URL typed without a scheme means https (Django 6's default; also silences its deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
