"""django-q2 tasks of the notification room (scheduled by stats.notify.scheduling). Thin: each tenant in its
own scope and its own try, so one tenant's failure never keeps the others' warnings or alerts back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.utils import timezone

from stats.notify.alerts import alerts_check
from stats.notify.digest import digests_send
from stats.notify.services import warnings_notify
from tenants.models import Tenant
from tenants.scoping import tenant_scope

logger = logging.getLogger(__name__)


def _each_tenant(what: str, work: Callable[[Tenant], int]) -> int:
    done = 0
    for tenant in Tenant.objects.order_by("slug"):
        try:
            # scope: a scheduled task acting for one tenant at a time.
            with tenant_scope(tenant):
                done += work(tenant)
        except Exception:
            logger.exception("%s failed for tenant %s", what, tenant.slug)
    return done


def credential_warnings() -> int:
    """Hourly: e-mail each new credential warning once. Returns how many warnings were e-mailed."""
    return _each_tenant("credential warnings", lambda tenant: len(warnings_notify(tenant=tenant)))


def traffic_alerts(today: date | None = None) -> int:
    """Daily: store and deliver the spikes of the last complete days. Returns how many alerts were new."""
    today = today or timezone.now().date()
    return _each_tenant("traffic alerts", lambda tenant: len(alerts_check(tenant=tenant, today=today)))


def weekly_digest(today: date | None = None) -> int:
    """Weekly (Mondays): last week's digest to each member who opted in. Returns how many were sent."""
    today = today or timezone.now().date()
    return _each_tenant("weekly digest", lambda tenant: digests_send(tenant=tenant, today=today))
