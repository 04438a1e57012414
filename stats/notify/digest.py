"""The weekly digest: per member who opted in, the last complete ISO week (Monday to Sunday, UTC) against
the week before, from the dashboard's own selectors, limited to the repositories the member may see.

Content: the tenant's totals and their change (the dashboard cards), the busiest repositories, the top
referrers, the week's traffic spikes with their causes, and anything at risk (freshness; credential
warnings for admins). Rendered as HTML and text (templates/notify/digest_email.*); the preview page shows
the same HTML for the person looking at it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse

from stats.collection.freshness import TenantRisk, tenant_collection_risk
from stats.models import AlertCause, TrafficAlert
from stats.notify.preferences import member_access, members_wanting, preferences_url, site_url, unsubscribe_url
from stats.notify.warnings import CredentialWarning, tenant_warnings
from stats.traffic.periods import DateRange
from stats.traffic.selectors import MetricCard, RepositoryTotals, dashboard_cards, tenant_repository_totals
from stats.traffic.snapshot_selectors import TopEntry, top_referrers
from tenants.access import TenantAccess
from tenants.models import Membership, Role, Tenant

logger = logging.getLogger(__name__)

TOP_REPOSITORIES = 5
TOP_REFERRERS = 5


@dataclass(frozen=True)
class Digest:
    tenant: Tenant
    week: DateRange
    cards: list[MetricCard]
    repositories: list[RepositoryTotals]
    referrers: list[TopEntry]
    spikes: list[TrafficAlert]
    risk: TenantRisk
    warnings: list[CredentialWarning] = field(default_factory=list)

    @property
    def has_traffic(self) -> bool:
        return any(card.value is not None for card in self.cards if card.key in ("views", "clones"))

    @property
    def subject(self) -> str:
        return f"[ghtraffic] {self.tenant.name}: week of {self.week.start:%d %b} to {self.week.end:%d %b %Y}"


def digest_week(today: date) -> DateRange:
    """The last complete ISO week before `today`."""
    monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
    return DateRange(start=monday, end=monday + timedelta(days=6), interval="day", period="week")


def digest_for(*, access: TenantAccess, today: date) -> Digest:
    """What the digest tells this person (their repositories only)."""
    week = digest_week(today)
    previous = week.previous()
    cards = [card for card in dashboard_cards(access=access, period=week) if card.key != "stars" or card.value]
    repositories = [
        totals for totals in tenant_repository_totals(access=access, start=week.start, end=week.end, previous=previous)
        if totals.views is not None
    ][:TOP_REPOSITORIES]
    # The latest snapshots of the week: GitHub's 14-day top referrers as seen at its end.
    referrers = top_referrers(access=access, start=week.start, end=week.end, limit=TOP_REFERRERS)
    spikes = list(
        TrafficAlert.objects.filter(repository__in=access.repositories(), date__gte=week.start, date__lte=week.end)
        .select_related("repository").prefetch_related(Prefetch("causes", queryset=AlertCause.objects.order_by("pk")))
        .order_by("date", "repository__owner", "repository__name", "metric")
    )
    risk = tenant_collection_risk(access=access, today=today)
    warnings = tenant_warnings(tenant=access.tenant) if access.has_role(Role.ADMIN) else []
    return Digest(access.tenant, week, cards, repositories, referrers, spikes, risk, warnings)


def digest_context(digest: Digest, *, membership: Membership | None) -> dict[str, Any]:
    tenant = digest.tenant
    return {
        "digest": digest,
        "dashboard_url": site_url(reverse("tenant-dashboard", kwargs={"tenant_slug": tenant.slug})),
        "preferences_url": preferences_url(tenant=tenant),
        "unsubscribe_url": unsubscribe_url(membership=membership, kind="weekly_digest") if membership else "",
    }


def digest_render(digest: Digest, *, membership: Membership | None) -> tuple[str, str]:
    """(text, html) of the e-mail."""
    context = digest_context(digest, membership=membership)
    return (render_to_string("notify/digest_email.txt", context), render_to_string("notify/digest_email.html", context))


def digest_send(*, membership: Membership, today: date) -> bool:
    digest = digest_for(access=member_access(membership), today=today)
    text, html = digest_render(digest, membership=membership)
    link = unsubscribe_url(membership=membership, kind="weekly_digest")
    # The mail client's own unsubscribe button needs an absolute link.
    headers = {"List-Unsubscribe": f"<{link}>"} if settings.SITE_URL else {}
    message = EmailMultiAlternatives(digest.subject, text, settings.DEFAULT_FROM_EMAIL, [membership.user.email],
                                     headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def digests_send(*, tenant: Tenant, today: date) -> int:
    """Send the week's digest to every member of the tenant who opted in; returns how many were sent.
    One member's failure is logged and the others still get theirs."""
    sent = 0
    for membership in members_wanting(tenant=tenant, kind="weekly_digest"):
        try:
            sent += digest_send(membership=membership, today=today)
        except Exception:
            logger.exception("could not send the weekly digest to a member of %s", tenant.slug)
    return sent
