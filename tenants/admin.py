from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from knox.models import AuthToken

from tenants.models import GitHubAppInstallation, GitHubCredential, Invitation, Membership, Tenant
from tenants.services import github_credential_set
from tenants.validators import validate_github_api_url


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    filter_horizontal = ["limited_to"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    readonly_fields = ["accepted_at", "declined_at"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, InvitationInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__slug"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "tenant", "role", "created", "expires_at", "accepted_at", "declined_at"]
    list_filter = ["tenant", "role"]
    search_fields = ["email"]


class GitHubCredentialForm(forms.ModelForm):
    # Write-only: the stored token is never sent back to the browser.
    api_url = forms.URLField(
        required=False, assume_scheme="https", label="API URL override", validators=[validate_github_api_url]
    )
    token = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Enter a new token to replace the stored one. Leave empty to keep it.",
    )

    class Meta:
        model = GitHubCredential
        fields = ["tenant", "api_url"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None and not cleaned.get("token"):
            self.add_error("token", "A token is required.")
        return cleaned


@admin.register(GitHubCredential)
class GitHubCredentialAdmin(admin.ModelAdmin):
    form = GitHubCredentialForm
    list_display = ["tenant", "status", "api_url", "updated"]
    readonly_fields = ["status"]

    @admin.display(description="Token")
    def status(self, obj: GitHubCredential) -> str:
        return obj.display if obj.pk else "not configured"

    def save_model(self, request: HttpRequest, obj: GitHubCredential, form: Any, change: bool) -> None:
        token = form.cleaned_data.get("token")
        if token:
            github_credential_set(tenant=obj.tenant, token=token, api_url=obj.api_url)
        elif change:
            obj.save(update_fields=["api_url", "updated"])
        # Reload so the admin's change message refers to the stored row.
        obj.pk = GitHubCredential.objects.get(tenant=obj.tenant).pk


# knox's own admin lists token digests and key prefixes: replace it with one that shows neither.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: who, since when, until when; revoke by deleting. Keys are never stored or shown;
    users create tokens on their profile page (or `manage.py drf_create_token USER`)."""

    list_display = ["user", "created", "expiry"]
    list_filter = ["expiry"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GitHubAppInstallation)
class GitHubAppInstallationAdmin(admin.ModelAdmin):
    list_display = ["tenant", "installation_id", "account", "follow_all", "suspended_at", "updated"]
    readonly_fields = ["installation_id", "account", "linked_by", "suspended_at"]
    search_fields = ["account", "tenant__slug"]
