"""Repositories a tenant follows, and the per-endpoint ETags used for conditional requests."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from tenants.scoping import tenant_scoped


class Repository(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="repositories")
    owner = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    # GitHub's numeric id survives renames and transfers; we match on it when GitHub answers 301.
    github_id = models.BigIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    last_collected_at = models.DateTimeField(null=True, blank=True)
    # The last collection that stored traffic; drives "days left before GitHub forgets".
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    objects = tenant_scoped("tenant")

    class Meta:
        ordering = ["owner", "name"]
        verbose_name_plural = "repositories"
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("owner"), Lower("name"), name="repository_unique_tenant_full_name_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class EndpointETag(models.Model):
    """The ETag GitHub sent for one endpoint of one repository, sent back as If-None-Match."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="etags")
    endpoint = models.CharField(max_length=40)
    etag = models.CharField(max_length=200)
    fetched_at = models.DateTimeField()
    objects = tenant_scoped("repository__tenant")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "endpoint"], name="etag_unique_repository_endpoint"),
        ]
