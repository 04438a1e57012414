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
    # GitHub's GraphQL node id (REST `node_id`): lets metadata of 100 repositories come in one GraphQL query.
    node_id = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    last_collected_at = models.DateTimeField(null=True, blank=True)
    # The last collection that stored traffic; drives "days left before GitHub forgets".
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The UTC day each endpoint group was last fetched (stats.collection.planner): drives what is due.
    metadata_fetched_on = models.DateField(null=True, blank=True)
    day_series_fetched_on = models.DateField(null=True, blank=True)
    week_series_fetched_on = models.DateField(null=True, blank=True)
    popular_fetched_on = models.DateField(null=True, blank=True)
    releases_fetched_on = models.DateField(null=True, blank=True)
    # The cause of last_error (repos.github.ErrorCode), from which the fix hint is derived.
    last_error_code = models.CharField(max_length=40, blank=True)
    # Star history (stats.collection.optional): the stargazer list, oldest first, read page by page.
    stargazers_fetched_on = models.DateField(null=True, blank=True)
    stargazers_resume_page = models.PositiveIntegerField(default=1)  # the page read last: it holds the mark
    stargazers_last_starred_at = models.DateTimeField(null=True, blank=True)
    stargazers_backfilled_on = models.DateField(null=True, blank=True)
    stargazers_capped = models.BooleanField(default=False)
    stargazers_error = models.CharField(max_length=300, blank=True)
    # CI-clone estimate: workflow runs per day (opt-in), times runs' checkouts of the repository.
    ci_runs_enabled = models.BooleanField(default=False)
    ci_checkouts_per_run = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    ci_runs_fetched_on = models.DateField(null=True, blank=True)
    ci_runs_fetched_through = models.DateField(null=True, blank=True)
    ci_runs_error = models.CharField(max_length=300, blank=True)

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
        verbose_name = "endpoint ETag"
        verbose_name_plural = "endpoint ETags"
        constraints = [
            models.UniqueConstraint(fields=["repository", "endpoint"], name="etag_unique_repository_endpoint"),
        ]


class InstallationRepository(models.Model):
    """A repository the tenant's GitHub App installation was granted: without "follow all" these are
    offered on the repositories page (followed with one click) rather than followed."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="installation_repositories")
    github_id = models.BigIntegerField()
    owner = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    # As GitHub listed them, for the follow filter's preview (a webhook payload may lack fork/archived).
    fork = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    private = models.BooleanField(default=False)

    objects = tenant_scoped("tenant")

    class Meta:
        ordering = ["owner", "name"]
        verbose_name = "repository offered by the GitHub App"
        verbose_name_plural = "repositories offered by the GitHub App"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "github_id"], name="installation_repository_unique_id"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHubDelivery(models.Model):
    """An App webhook delivery already handled (X-GitHub-Delivery): GitHub redelivers, we act once.
    Rows older than a day are pruned."""

    delivery_id = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "GitHub App webhook delivery"
        verbose_name_plural = "GitHub App webhook deliveries"

    def __str__(self) -> str:
        return self.delivery_id


class FollowFilter(models.Model):
    """Which repositories a tenant follows when it imports from GitHub or follows its App installation
    (sync and webhook additions): repos.follow_filters.follow_filter_allows() is the one place it is read.
    Following a repository by name, or one offered by the installation, is never filtered; changing the
    filter never unfollows a repository."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="follow_filter")
    include_forks = models.BooleanField(default=True)
    include_archived = models.BooleanField(default=True)
    include_private = models.BooleanField(default=True)
    # One fnmatch-style glob per line (`docs-*`, `acme/*`); a line starting with `!` excludes.
    patterns = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_scoped("tenant")

    class Meta:
        verbose_name = "follow filter"

    def __str__(self) -> str:
        return f"follow filter of {self.tenant_id}"
