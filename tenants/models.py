"""Tenants (teams/orgs), their members and their GitHub credential."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

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


class Invitation(models.Model):
    """An e-mail invited to a tenant; becomes a Membership when that identity first logs in."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    objects = tenant_scoped("tenant")

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), "tenant", name="invitation_unique_email_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant} ({self.role})"


class GitHubCredential(models.Model):
    """A tenant's GitHub token, Fernet-encrypted at rest. The plaintext is never rendered again."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="github_credential")
    token_encrypted = models.TextField()
    token_last4 = models.CharField(max_length=4)
    api_url = models.URLField(blank=True, help_text="Overrides GITHUB_API_URL for this tenant (GitHub Enterprise).")
    updated = models.DateTimeField(auto_now=True)
    objects = tenant_scoped("tenant")

    def __str__(self) -> str:
        return f"GitHub credential of {self.tenant} (ends with …{self.token_last4})"

    @property
    def display(self) -> str:
        return f"configured, ends with …{self.token_last4}"
