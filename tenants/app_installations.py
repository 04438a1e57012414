"""Writes for tenants' GitHub App installations: link, suspend, unlink (with a warning to admins).

Kept apart from tenants/services.py so the collection engine can use them without the API stack."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from tenants.models import GitHubAppInstallation, GitHubCredential, Membership, Role, Tenant
from tenants.scoping import system_scope

logger = logging.getLogger(__name__)


class InstallationTaken(Exception):
    """The GitHub App installation is already linked to another tenant."""


@transaction.atomic
def github_app_installation_set(
    *, tenant: Tenant, installation_id: int, account: str, follow_all: bool, linked_by: AbstractBaseUser | None = None
) -> GitHubAppInstallation:
    """Link (or re-link) an installation GitHub confirmed; it replaces the tenant's personal token."""
    with system_scope():  # scope: an installation may be linked to one tenant of all
        taken = GitHubAppInstallation.objects.select_for_update().filter(installation_id=installation_id)
        if taken.exclude(tenant=tenant).exists():
            raise InstallationTaken(f"GitHub App installation {installation_id} is already linked to another tenant")
    user = linked_by if linked_by is not None and linked_by.is_authenticated else None
    installation, _ = GitHubAppInstallation.objects.update_or_create(
        tenant=tenant,
        defaults={
            "installation_id": installation_id, "account": account, "follow_all": follow_all,
            "suspended_at": None, "linked_by": user,
        },
    )
    GitHubCredential.objects.filter(tenant=tenant).delete()
    return installation


def github_app_installation_suspend(*, installation: GitHubAppInstallation, suspended: bool) -> None:
    installation.suspended_at = timezone.now() if suspended else None
    installation.save(update_fields=["suspended_at", "updated"])


def github_app_installation_unlink(*, installation: GitHubAppInstallation, warning: str = "") -> None:
    """Forget the installation (uninstalled on GitHub, or by an admin); repositories and history stay.
    With a `warning` (GitHub revoked it: nobody here asked), the tenant's admins are e-mailed."""
    tenant = installation.tenant
    installation.delete()
    if not warning:
        return
    logger.warning("GitHub App installation of tenant %s unlinked: %s", tenant.slug, warning)
    recipients = list(
        Membership.objects.filter(tenant=tenant, role=Role.ADMIN).exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if recipients:
        body = (
            f"{warning}\n\nCollection of {tenant.name} stops until a GitHub credential is configured again: "
            "Settings → GitHub credential (connect the GitHub App again, or add a token)."
        )
        send_mail(f"[ghtraffic] {tenant.name}: GitHub App unlinked", body, settings.DEFAULT_FROM_EMAIL, recipients,
                  fail_silently=True)
