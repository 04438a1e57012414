"""Traffic kept forever: daily and weekly counts, top-10 snapshots, repository metrics, runs.

A DailyTraffic row exists only for a day some collection covered. A day GitHub omitted inside a
covered window is a real zero and has a zero row; "no row" means "unknown" (shown as a gap).
Unique counts are GitHub's own per bucket: they are never summed across days or repositories.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.scoping import tenant_scoped


class DailyTraffic(models.Model):
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="daily_traffic")
    date = models.DateField()
    views = models.PositiveIntegerField(default=0)
    unique_views = models.PositiveIntegerField(default=0)
    clones = models.PositiveIntegerField(default=0)
    unique_clones = models.PositiveIntegerField(default=0)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "daily traffic"
        verbose_name_plural = "daily traffic"
        constraints = [models.UniqueConstraint(fields=["repository", "date"], name="daily_unique_repository_date")]
        # The unique constraint's (repository, date) index serves per-repo ranges; this one serves
        # tenant-wide ranges (all repos of a tenant between two dates).
        indexes = [models.Index(fields=["date", "repository"], name="daily_date_repository")]


class WeeklyTraffic(models.Model):
    """GitHub's per=week buckets, with GitHub's own de-duplicated weekly uniques."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="weekly_traffic")
    week_start = models.DateField(help_text="Monday (UTC) that starts the week.")
    views = models.PositiveIntegerField(default=0)
    unique_views = models.PositiveIntegerField(default=0)
    clones = models.PositiveIntegerField(default=0)
    unique_clones = models.PositiveIntegerField(default=0)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "weekly traffic"
        verbose_name_plural = "weekly traffic"
        constraints = [
            models.UniqueConstraint(fields=["repository", "week_start"], name="weekly_unique_repository_week")
        ]
        indexes = [models.Index(fields=["week_start", "repository"], name="weekly_week_repository")]


class ReferrerSnapshot(models.Model):
    """GitHub's 14-day top-10 referrers as reported on one collection day."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="referrers")
    date = models.DateField()
    referrer = models.CharField(max_length=500)
    count = models.PositiveIntegerField()
    uniques = models.PositiveIntegerField()
    objects = tenant_scoped("repository__tenant")

    class Meta:
        indexes = [models.Index(fields=["repository", "date"], name="referrer_repository_date")]


class PathSnapshot(models.Model):
    """GitHub's 14-day top-10 popular content as reported on one collection day."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="paths")
    date = models.DateField()
    path = models.CharField(max_length=1000)
    title = models.CharField(max_length=1000)
    count = models.PositiveIntegerField()
    uniques = models.PositiveIntegerField()
    objects = tenant_scoped("repository__tenant")

    class Meta:
        indexes = [models.Index(fields=["repository", "date"], name="path_repository_date")]


class RepositoryMetrics(models.Model):
    """Stars, forks, watchers… as seen on one day (the last collection of the day wins)."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="metrics")
    date = models.DateField()
    stars = models.PositiveIntegerField(default=0)
    forks = models.PositiveIntegerField(default=0)
    # Null: unknown that day (imported history tells stars and forks only).
    watchers = models.PositiveIntegerField(default=0, null=True, blank=True)
    open_issues = models.PositiveIntegerField(default=0, null=True, blank=True)
    size_kb = models.PositiveIntegerField(default=0, null=True, blank=True)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name_plural = "repository metrics"
        constraints = [models.UniqueConstraint(fields=["repository", "date"], name="metrics_unique_repository_date")]


class CollectionRun(models.Model):
    class Trigger(models.TextChoices):
        COMMAND = "command", "Command"
        WEBHOOK = "webhook", "Webhook"
        SCHEDULE = "schedule", "Schedule"
        UI = "ui", "UI"
        API = "api", "API"
        RESUME = "resume", "Resumed after the rate limit"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly failed"
        FAILED = "failed", "Failed"
        RATE_LIMITED = "rate_limited", "Rate limited"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="collection_runs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Last sign of life from whoever works on the run; a stale one means the worker died.
    heartbeat = models.DateTimeField(null=True, blank=True)
    repos_total = models.PositiveIntegerField(default=0)
    repos_ok = models.PositiveIntegerField(default=0)
    repos_failed = models.PositiveIntegerField(default=0)
    days_stored = models.PositiveIntegerField(default=0)
    api_requests = models.PositiveIntegerField(default=0)
    not_modified = models.PositiveIntegerField(default=0, help_text="Requests answered 304 (free).")
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    # GitHub's x-ratelimit-limit / -reset as last seen: the next run's budget estimate.
    rate_limit_limit = models.IntegerField(null=True, blank=True)
    rate_limit_reset = models.DateTimeField(null=True, blank=True)
    # The planner's decision (mode, requests, anything left at risk), shown on the runs pages.
    plan_mode = models.CharField(max_length=20, blank=True)
    plan_summary = models.TextField(blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    error_summary = models.TextField(blank=True)
    objects = tenant_scoped("tenant")

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["tenant", "-created"], name="run_tenant_created")]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.tenant} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def status_text(self) -> str:
        """The status as people read it: a rate-limited run says when it goes on by itself."""
        if self.status == self.Status.RATE_LIMITED and self.rate_limited_until is not None:
            return f"Waiting for the rate limit (resumes {self.rate_limited_until:%H:%M} UTC)"
        return self.get_status_display()


class RunItem(models.Model):
    """One repository's share of a run; workers claim items so several can share one run."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "In progress"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    run = models.ForeignKey(CollectionRun, on_delete=models.CASCADE, related_name="items")
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="run_items")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    api_requests = models.PositiveIntegerField(default=0)
    not_modified = models.PositiveIntegerField(default=0)
    days_stored = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The endpoint groups planned for this item (stats.collection.planner; "" = all) and its place in the run.
    groups = models.CharField(max_length=60, blank=True)
    priority = models.PositiveIntegerField(default=0)
    # Why it failed (repos.github.ErrorCode): fix hints key on this, never on the message's wording.
    error_code = models.CharField(max_length=40, blank=True)
    # Random token of the worker call that claimed the item: lets it read back exactly what it won.
    claim_token = models.CharField(max_length=32, blank=True)
    objects = tenant_scoped("run__tenant")

    class Meta:
        verbose_name = "run item"
        verbose_name_plural = "run items"
        constraints = [models.UniqueConstraint(fields=["run", "repository"], name="runitem_unique_run_repository")]
        indexes = [models.Index(fields=["run", "status"], name="runitem_run_status")]


class CollectionLock(models.Model):
    """One row per tenant; `run` set means a run holds the tenant's collection lock.

    Claimed with a conditional UPDATE (`run IS NULL`), which is atomic on SQLite, PostgreSQL and Db2
    alike, unlike a partial unique index on active runs.
    """

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="collection_lock")
    run = models.ForeignKey(CollectionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # REST requests the run's batches reserved and may still send (stats.collection.reservations): every
    # worker grants itself only what GitHub's remaining budget leaves beyond them. Cleared with the run.
    budget_reserved = models.IntegerField(default=0)
    objects = tenant_scoped("tenant")

    def __str__(self) -> str:
        return f"Collection lock of {self.tenant} (run {self.run_id or '-'})"


class WebhookDelivery(models.Model):
    """A signed webhook request already accepted, kept for the replay window: the same delivery id (or
    the same signed body) is refused while its row exists. Rows older than the window are pruned."""

    key = models.CharField(max_length=80, unique=True)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "collection webhook delivery"
        verbose_name_plural = "collection webhook deliveries"

    def __str__(self) -> str:
        return f"webhook delivery {self.key[:12]}… at {self.received_at:%Y-%m-%d %H:%M:%S}"


class TenantDailyRollup(models.Model):
    """One tenant's DailyTraffic summed per day: what tenant-wide charts and cards read.

    Kept exact by the collection in the transaction that writes the daily rows (stats.collection.rollups).
    A row exists only for a day at least one repository has a DailyTraffic row (`repos_covered` > 0).
    Uniques are never summed: `peak_unique_*` is the largest one repository reported that day.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="daily_rollups")
    date = models.DateField()
    views = models.BigIntegerField(default=0)
    clones = models.BigIntegerField(default=0)
    peak_unique_views = models.PositiveIntegerField(default=0)
    peak_unique_clones = models.PositiveIntegerField(default=0)
    repos_covered = models.PositiveIntegerField(default=0, help_text="Repositories with a DailyTraffic row that day.")

    objects = tenant_scoped("tenant")

    class Meta:
        verbose_name = "tenant daily rollup"
        verbose_name_plural = "tenant daily rollups"
        constraints = [models.UniqueConstraint(fields=["tenant", "date"], name="tenant_rollup_unique_tenant_date")]


class RepositoryMonthlyRollup(models.Model):
    """One repository's DailyTraffic summed per calendar month (dated by its 1st), `days` = rows summed."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="monthly_rollups")
    month = models.DateField()
    views = models.BigIntegerField(default=0)
    clones = models.BigIntegerField(default=0)
    days = models.PositiveIntegerField(default=0)

    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "repository monthly rollup"
        verbose_name_plural = "repository monthly rollups"
        constraints = [
            models.UniqueConstraint(fields=["repository", "month"], name="repository_rollup_unique_repository_month")
        ]
        indexes = [models.Index(fields=["month", "repository"], name="repository_rollup_month_repo")]


class Badge(models.Model):
    """An opt-in public badge of one repository (stats.badges): served at /badge/<token>/<metric>.svg|.json
    to anyone with the unguessable token, for the enabled metrics only, until revoked."""

    class Metric(models.TextChoices):
        VIEWS_14D = "views-14d", "Views of the last 14 complete days"
        VIEWS_TOTAL = "views-total", "Views since tracking began"
        CLONES_TOTAL = "clones-total", "Clones since tracking began"
        STARS = "stars", "Stars"

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="badges")
    # secrets.token_urlsafe(24): 192 random bits, the badge's only credential.
    token = models.CharField(max_length=64, unique=True)
    # Enabled Metric values, comma-separated (no JSONField: IBM Db2).
    metrics = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"badge {self.pk} of {self.repository_id}"

    @property
    def metric_list(self) -> list[str]:
        return [metric for metric in self.metrics.split(",") if metric]
class ReleaseAsset(models.Model):
    """One downloadable file of a GitHub release, as last seen. GitHub only gives a cumulative
    `download_count` per asset: the daily figures are differences between observations
    (stats.traffic.releases_selectors)."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="release_assets")
    asset_id = models.BigIntegerField(help_text="GitHub's id of the asset.")
    release_id = models.BigIntegerField(help_text="GitHub's id of the release.")
    tag = models.CharField(max_length=255)
    release_name = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    prerelease = models.BooleanField(default=False)
    name = models.CharField(max_length=255)
    # The first collection day the asset (or its release) was gone from GitHub's list: its series stops.
    deleted_on = models.DateField(null=True, blank=True)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "release asset"
        constraints = [
            models.UniqueConstraint(fields=["repository", "asset_id"], name="release_asset_unique_repository_asset")
        ]

    def __str__(self) -> str:
        return f"{self.tag}/{self.name}"


class ReleaseAssetDownloads(models.Model):
    """The cumulative download count of one asset as observed on one UTC day (the largest of the day)."""

    asset = models.ForeignKey(ReleaseAsset, on_delete=models.CASCADE, related_name="downloads")
    date = models.DateField()
    download_count = models.BigIntegerField()
    objects = tenant_scoped("asset__repository__tenant")

    class Meta:
        verbose_name = "release asset downloads"
        verbose_name_plural = "release asset downloads"
        constraints = [
            models.UniqueConstraint(fields=["asset", "date"], name="release_downloads_unique_asset_date")
        ]
# --- Notifications (stats.notify): alerts, warnings, preferences, the outgoing webhook ---------------------------
class TrafficAlert(models.Model):
    """A day whose views or clones were well above the repository's recent baseline (stats.notify.alerts).
    One per repository, day and metric, so a re-run check finds it again instead of alerting twice."""

    class Metric(models.TextChoices):
        VIEWS = "views", "Views"
        CLONES = "clones", "Clones"

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="traffic_alerts")
    date = models.DateField()
    metric = models.CharField(max_length=10, choices=Metric.choices)
    count = models.PositiveIntegerField()
    # The median of the previous covered days the day was compared with.
    baseline = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    # Set once members and the webhook were told: delivery happens once, whatever re-runs.
    delivered_at = models.DateTimeField(null=True, blank=True)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        ordering = ["-date", "repository__owner", "repository__name", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "date", "metric"], name="alert_unique_repository_date_metric")
        ]

    def __str__(self) -> str:
        return f"{self.repository} {self.metric} spike on {self.date}: {self.count} (baseline {self.baseline})"


class AlertCause(models.Model):
    """A likely cause a detector named for an alert (a referrer that jumped, a star jump…)."""

    alert = models.ForeignKey(TrafficAlert, on_delete=models.CASCADE, related_name="causes")
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=500)
    objects = tenant_scoped("alert__repository__tenant")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


class NotificationPreference(models.Model):
    """What one member wants to be told. No row means the defaults below (a member opts in)."""

    membership = models.OneToOneField(
        "tenants.Membership", on_delete=models.CASCADE, related_name="notification_preference"
    )
    spike_email = models.BooleanField(default=False)
    weekly_digest = models.BooleanField(default=False)
    # Admins only: token expiry, App installation and lost-access warnings. On unless turned off:
    # missing them loses data.
    warning_email = models.BooleanField(default=True)
    objects = tenant_scoped("membership__tenant")

    def __str__(self) -> str:
        return f"notification preferences of {self.membership}"


class AlertWebhook(models.Model):
    """A tenant's outgoing webhook: alerts are POSTed as JSON signed with HMAC-SHA256 of `secret`."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="alert_webhook")
    url = models.URLField(max_length=500)
    # Fernet-encrypted like the GitHub token: the receiver checks signatures with the plaintext.
    secret_encrypted = models.TextField()
    enabled = models.BooleanField(default=True)
    last_status = models.CharField(max_length=200, blank=True)
    updated = models.DateTimeField(auto_now=True)
    objects = tenant_scoped("tenant")

    def __str__(self) -> str:
        return f"alert webhook of {self.tenant}"


class WarningNotice(models.Model):
    """A warning already e-mailed to a tenant's admins (token expiring in 14 days, App suspended…), so the
    hourly and daily checks send each one once. Removed when the warning no longer holds."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="warning_notices")
    key = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    objects = tenant_scoped("tenant")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="warning_notice_unique_tenant_key")]

    def __str__(self) -> str:
        return f"{self.key} sent to {self.tenant} at {self.sent_at:%Y-%m-%d %H:%M}"
class StargazerDay(models.Model):
    """How many of the repository's current stargazers starred it on one UTC day (GitHub's `starred_at`).

    Rebuilt from the stargazer list: someone who unstarred is no longer listed, so the cumulative sum is
    "today's stargazers by the day they starred", not the count GitHub showed on that day.
    """

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="stargazer_days")
    date = models.DateField()
    stars = models.PositiveIntegerField(default=0)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "stargazers per day"
        verbose_name_plural = "stargazers per day"
        constraints = [
            models.UniqueConstraint(fields=["repository", "date"], name="stargazer_day_unique_repository_date")
        ]


class WorkflowRunDay(models.Model):
    """GitHub Actions workflow runs created on one UTC day: the basis of the CI-clone estimate.
    A missing row is unknown (never fetched), not zero."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="workflow_run_days")
    date = models.DateField()
    workflow_runs = models.PositiveIntegerField(default=0)
    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "workflow runs per day"
        verbose_name_plural = "workflow runs per day"
        constraints = [
            models.UniqueConstraint(fields=["repository", "date"], name="workflow_run_day_unique_repository_date")
        ]


class LatestSnapshot(models.Model):
    """Per repository, the date of its newest stored referrer and path snapshot (null: none stored).

    Kept exact by the collection in the transaction that writes the snapshots
    (stats.collection.rollups.latest_snapshot_note); goes with the repository by CASCADE. The
    dashboard's top lists read each repository's latest snapshot through it instead of looking the
    newest date up per repository (stats.traffic.snapshot_selectors).
    """

    repository = models.OneToOneField(
        "repos.Repository", on_delete=models.CASCADE, primary_key=True, related_name="latest_snapshot"
    )
    referrers = models.DateField(null=True, blank=True)
    paths = models.DateField(null=True, blank=True)

    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "latest snapshot"
        verbose_name_plural = "latest snapshots"


class RepositoryWeeklyRollup(models.Model):
    """One repository's DailyTraffic summed per ISO week (dated by its Monday), `days` = rows summed.

    What the dashboard's weekly sparklines read for the weeks wholly inside the period.
    """

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="weekly_rollups")
    week = models.DateField()
    views = models.BigIntegerField(default=0)
    clones = models.BigIntegerField(default=0)
    days = models.PositiveIntegerField(default=0)

    objects = tenant_scoped("repository__tenant")

    class Meta:
        verbose_name = "repository weekly rollup"
        verbose_name_plural = "repository weekly rollups"
        constraints = [
            models.UniqueConstraint(fields=["repository", "week"], name="repository_weekly_unique_repository_week")
        ]
