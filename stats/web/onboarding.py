"""The first-run checklist of an empty tenant: what is done and what to do next, in order."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django_q.models import Schedule

from stats.collection.scheduling import SCHEDULE_NAME
from stats.models import CollectionRun, DailyTraffic
from tenants.access import TenantAccess
from tenants.selectors import github_app_installation_get, github_credential_get


@dataclass(frozen=True)
class ChecklistStep:
    title: str
    done: bool
    detail: str
    link: str = ""
    link_label: str = ""


def first_run_checklist(access: TenantAccess) -> list[ChecklistStep]:
    """Connect GitHub → add or import repositories → first collection → the schedule (6 queries)."""
    slug = access.tenant.slug
    has_credential = (
        github_app_installation_get(access=access) is not None or github_credential_get(access=access) is not None
    )
    has_repositories = access.repositories().exists()
    collected = DailyTraffic.objects.filter(repository__in=access.repositories()).exists()
    last_run = CollectionRun.objects.filter(tenant=access.tenant).order_by("-created").first()
    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).first()
    is_admin = access.has_role("admin")
    can_manage = access.has_role("maintainer")
    if last_run is None:
        run_detail = "Collect now once repositories are followed; the first run fetches GitHub's last 14 days."
    else:
        run_detail = f"Last run: {last_run.get_status_display().lower()}."
    return [
        ChecklistStep(
            "Connect GitHub",
            has_credential,
            "The GitHub App, or a token with push access to the repositories (stored encrypted)."
            if not has_credential else "GitHub is connected.",
            reverse("tenant-credential", kwargs={"tenant_slug": slug}) if is_admin and not has_credential else "",
            "Connect GitHub",
        ),
        ChecklistStep(
            "Add or import repositories",
            has_repositories,
            "Follow repositories by name, or import every repository the token can see.",
            reverse("repo-list", kwargs={"tenant_slug": slug}) if can_manage and not has_repositories else "",
            "Add repositories",
        ),
        ChecklistStep(
            "First collection",
            collected,
            run_detail,
            reverse("runs", kwargs={"tenant_slug": slug}) if not collected else "",
            "Open runs",
        ),
        ChecklistStep(
            "Daily schedule",
            schedule is not None,
            f"Runs on cron “{schedule.cron}” (UTC); next run {schedule.next_run:%-d %b %Y, %H:%M} UTC."
            if schedule is not None and schedule.next_run
            else "No schedule: set COLLECT_SCHEDULE and run `manage.py setup_schedule`, or collect by webhook.",
        ),
    ]
