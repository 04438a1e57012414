from django.contrib import admin

from repos.models import EndpointETag, Repository


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "tenant", "active", "last_collected_at", "last_error"]
    list_filter = ["tenant", "active"]
    search_fields = ["owner", "name", "tenant__slug"]
    list_select_related = ["tenant"]


@admin.register(EndpointETag)
class EndpointETagAdmin(admin.ModelAdmin):
    list_display = ["repository", "endpoint", "etag", "fetched_at"]
    list_select_related = ["repository"]
    search_fields = ["repository__owner", "repository__name"]
