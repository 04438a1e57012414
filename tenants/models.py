"""Tenants (teams/orgs), their members and their GitHub credential."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tenants.scoping import tenant_scoped


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    MAINTAINER = "maintainer", "Maintainer"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self.value]

    def at_least(self, other: Role | str) -> bool:
        return ROLE_RANK[self.value] >= ROLE_RANK[str(other)]


ROLE_RANK = {Role.VIEWER.value: 0, Role.MAINTAINER.value: 1, Role.ADMIN.value: 2}


class Tenant(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a tenant.

    Deliberately NOT tenant-scoped (plain manager): it is the user → tenants index, read by user before
    any tenant is known (TenantMiddleware, the tenant switcher, /api/v1/tenants/, invitations at login).
    Tenant-side reads (members pages) go through tenants.selectors with `tenant=access.tenant`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    # Empty means every repository of the tenant; otherwise a viewer sees only these.
    limited_to = models.ManyToManyField("repos.Repository", blank=True, related_name="limited_memberships")
    # Set when an admin limits a viewer: removing their last allowed repository must leave them
    # seeing nothing, not fall back to "every repository".
    repository_limited = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    def has_role(self, role: Role | str) -> bool:
        return Role(self.role).at_least(role)


def invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


class Invitation(models.Model):
    """An e-mail invited to a tenant. Becomes a Membership only with consent: the person with that
    e-mail accepts it (pending-invitations page or the e-mailed link), or a new identity with that
    verified e-mail logs in for the first time through OIDC. Expires at `expires_at`."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    # A viewer invited to some repositories only (history imports carry such roles over): accepting it
    # gives a membership limited to these, as an admin's limit on a member would.
    limited_to = models.ManyToManyField("repos.Repository", blank=True, related_name="limited_invitations")
    repository_limited = models.BooleanField(default=False)

    objects = tenant_scoped("tenant")

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), "tenant", name="invitation_unique_email_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant} ({self.role})"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class GitHubCredential(models.Model):
    """A tenant's GitHub token, Fernet-encrypted at rest. The plaintext is never rendered again."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="github_credential")
    token_encrypted = models.TextField()
    token_last4 = models.CharField(max_length=4)
    api_url = models.URLField(blank=True, help_text="Overrides GITHUB_API_URL for this tenant (GitHub Enterprise).")
    # When GitHub says the token stops working (its `github-authentication-token-expiration` header, sent
    # for fine-grained and expiring classic tokens); null: no expiry known. Drives the expiry warnings.
    expires_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)
    objects = tenant_scoped("tenant")

    class Meta:
        verbose_name = "GitHub credential"
        verbose_name_plural = "GitHub credentials"

    def __str__(self) -> str:
        return f"GitHub credential of {self.tenant} (ends with …{self.token_last4})"

    @property
    def display(self) -> str:
        return f"configured, ends with …{self.token_last4}"


class GitHubAppInstallation(models.Model):
    """A GitHub App installation linked to a tenant: GitHub issues short-lived tokens for it on demand,
    so nothing secret is stored here. An installation belongs to one tenant only."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="github_app_installation")
    installation_id = models.BigIntegerField(unique=True)
    # The organisation or user the App is installed on (GitHub's `account.login`).
    account = models.CharField(max_length=100)
    # Follow every repository of the installation (and those added later) instead of offering them.
    follow_all = models.BooleanField(default=False)
    suspended_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = tenant_scoped("tenant")

    class Meta:
        verbose_name = "GitHub App installation"

    def __str__(self) -> str:
        return f"GitHub App installation {self.installation_id} ({self.account}) of {self.tenant}"

    @property
    def display(self) -> str:
        state = " (suspended)" if self.suspended_at else ""
        return f"GitHub App installed on {self.account}{state}"
