"""Reads that answer "is anything about to fall out of GitHub's 14-day window?".

GitHub keeps 14 days of traffic. After a successful collection on day L, the oldest day still
recoverable is L - 14 + 1 and the next collection must happen by L + 14, so a repository has
`last successful collection + 14 days - today` days left before data is lost for good.
A repository is at risk when that is at most WARN_DAYS, when it was never collected, or when its
last collection failed; a tenant is at risk when any of its repositories is or its last run failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from repos.models import Repository
from repos.selectors import days_before_github_forgets
from stats.collection.runs import PLANNED_TRIGGERS
from stats.models import CollectionRun, RunItem
from tenants.access import TenantAccess
from tenants.models import Tenant

WARN_DAYS = 3
FAILED_RUN_STATUSES = (CollectionRun.Status.FAILED, CollectionRun.Status.RATE_LIMITED)


@dataclass(frozen=True)
class RepositoryRisk:
    repository: Repository
    # None when the repository was never collected successfully.
    days_left: int | None
    reason: str


@dataclass(frozen=True)
class TenantRisk:
    tenant: Tenant
    repositories: list[RepositoryRisk]
    last_run_failed: bool
    # The latest planned run could not fit what was at risk into the budget: its plan summary.
    over_capacity: str = ""

    @property
    def at_risk(self) -> bool:
        return self.last_run_failed or bool(self.repositories) or bool(self.over_capacity)

    def summary(self) -> str:
        parts = []
        if self.last_run_failed:
            parts.append("last collection run failed")
        if self.repositories:
            parts.append(f"{len(self.repositories)} repositories at risk")
        if self.over_capacity:
            parts.append("over capacity: the GitHub budget cannot keep every repository lossless")
        return f"{self.tenant.slug}: " + ", ".join(parts) if parts else f"{self.tenant.slug}: ok"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _repository_risk(repository: Repository, today: date) -> RepositoryRisk | None:
    left = days_before_github_forgets(repository=repository, today=today)
    if left is None:
        return RepositoryRisk(repository, None, "never collected: every day GitHub still holds is at risk")
    if left <= 0:
        return RepositoryRisk(repository, left, f"data lost: not collected for {_days(-left)} past GitHub's window")
    if repository.last_error:
        return RepositoryRisk(repository, left, f"last collection failed ({repository.last_error}); {_days(left)} left")
    if left <= WARN_DAYS:
        return RepositoryRisk(repository, left, f"{_days(left)} left before GitHub forgets uncollected traffic")
    return None


def _risks(repositories: QuerySet[Repository], today: date) -> list[RepositoryRisk]:
    risks = (_repository_risk(repository, today) for repository in repositories.filter(active=True))
    return [risk for risk in risks if risk is not None]


def _last_finished_run(tenant: Tenant) -> CollectionRun | None:
    return CollectionRun.objects.filter(tenant=tenant).exclude(status__in=CollectionRun.ACTIVE_STATUSES).first()


def _last_run_failed(tenant: Tenant) -> bool:
    last = _last_finished_run(tenant)
    return last is not None and last.status in FAILED_RUN_STATUSES


def _over_capacity(tenant: Tenant) -> str:
    """The summary of the latest planned run when it left at-risk work out for lack of budget."""
    last = (
        # Only runs that planned within the budget: a person's run fetches everything whatever it costs.
        CollectionRun.objects.filter(tenant=tenant, trigger__in=PLANNED_TRIGGERS).exclude(plan_mode="")
        .order_by("-created")
        .values_list("plan_mode", "plan_summary").first()
    )
    if last is None or last[0] != "over_capacity":
        return ""
    return last[1] + (". Fix: link a GitHub App installation (a larger budget) or follow fewer repositories.")


def last_run_failed(*, access: TenantAccess) -> bool:
    """Whether the tenant's last finished run failed; for a repository-limited viewer, only when it
    failed for one of their repositories (another repository's failure is not theirs to see)."""
    if not access.is_limited:
        return _last_run_failed(access.tenant)
    last = _last_finished_run(access.tenant)
    if last is None or last.status not in FAILED_RUN_STATUSES:
        return False
    return RunItem.objects.filter(
        run=last, repository__in=access.repositories(), status__in=(RunItem.Status.FAILED, RunItem.Status.SKIPPED)
    ).exists()


def tenant_collection_risk(*, access: TenantAccess, today: date | None = None) -> TenantRisk:
    """The risk for the repositories this user may see (dashboard banner, runs API)."""
    today = today or timezone.now().date()
    # The plan summary names repositories: a repository-limited viewer sees only that there is a shortfall.
    over = _over_capacity(access.tenant)
    if over and access.is_limited:
        over = "over capacity: some repositories may lose data; a tenant admin can see which"
    return TenantRisk(access.tenant, _risks(access.repositories(), today), last_run_failed(access=access), over)


def all_tenants_collection_risk(
    *, today: date | None = None, tenants: Iterable[Tenant] | None = None
) -> list[TenantRisk]:
    """System-wide view for monitoring (`/healthz?deep=1`, `check_collection`): crosses tenants on purpose."""
    today = today or timezone.now().date()
    result = []
    for tenant in tenants if tenants is not None else Tenant.objects.all():
        result.append(TenantRisk(tenant, _risks(tenant.repositories.all(), today), _last_run_failed(tenant),
                                 _over_capacity(tenant)))
    return result
