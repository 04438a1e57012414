"""Delivering traffic alerts: an e-mail to each member who opted in (only the repositories they may see),
and one JSON POST to the tenant's outgoing webhook, signed with HMAC-SHA256.

The webhook body carries a `text` line (what Slack, Teams and Matrix bridges post as is) and the alerts as
data. The signature header is `X-Ghtraffic-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` with
the webhook's secret, as GitHub signs its own webhooks; receivers compare it in constant time. The URL is
the admin's, so every connection goes to public addresses only (repos.safe_http), without redirects.
A failed delivery is logged and noted on the webhook; it never breaks the check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from repos.safe_http import EgressRefused, PublicAddressAdapter
from stats.models import AlertWebhook, TrafficAlert
from stats.notify.preferences import member_access, members_wanting, preferences_url, site_url, unsubscribe_url
from tenants.crypto import SecretDecryptionError, decrypt_secret
from tenants.models import Tenant

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Ghtraffic-Signature-256"
EVENT_HEADER = "X-Ghtraffic-Event"
SPIKE_EVENT = "traffic.spike"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_line(alert: TrafficAlert) -> str:
    causes = "; ".join(cause.summary for cause in alert.causes.all()) or "no cause found in the stored data"
    return (f"{alert.repository.full_name}: {alert.count} {alert.metric} on {alert.date:%a %d %b %Y} "
            f"(usually about {alert.baseline}). Likely cause: {causes}")


def alert_url(alert: TrafficAlert) -> str:
    repository = alert.repository
    return site_url(reverse("repo-detail", kwargs={
        "tenant_slug": repository.tenant.slug, "owner": repository.owner, "name": repository.name,
    }))


def alert_data(alert: TrafficAlert) -> dict[str, Any]:
    return {
        "repository": alert.repository.full_name,
        "date": alert.date.isoformat(),
        "metric": alert.metric,
        "count": alert.count,
        "baseline": alert.baseline,
        "causes": [{"kind": cause.kind, "summary": cause.summary} for cause in alert.causes.all()],
        "url": alert_url(alert),
    }


def webhook_payload(*, tenant: Tenant, alerts: list[TrafficAlert]) -> dict[str, Any]:
    heading = f"Traffic spike{'s' if len(alerts) > 1 else ''} in {tenant.name}:"
    lines = [heading] + [f"• {alert_line(alert)}" for alert in alerts]
    return {
        "event": SPIKE_EVENT,
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "text": "\n".join(lines),
        "alerts": [alert_data(alert) for alert in alerts],
    }


def webhook_post(*, webhook: AlertWebhook, payload: dict[str, Any], event: str = SPIKE_EVENT) -> str:
    """POST the payload, signed; returns what happened ("200", or why it failed), also kept on the webhook."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    try:
        secret = decrypt_secret(webhook.secret_encrypted)
    except SecretDecryptionError:
        return _note(webhook, "the signing secret cannot be decrypted: set a new one")
    headers = {
        "Content-Type": "application/json", "User-Agent": "ghtraffic", EVENT_HEADER: event,
        SIGNATURE_HEADER: signature(secret, body),
    }
    with requests.Session() as session:
        if not settings.NOTIFY_WEBHOOK_ALLOW_PRIVATE:
            session.trust_env = False  # no proxy from the environment: the peer checked must be the receiver
            session.mount("http://", PublicAddressAdapter())
            session.mount("https://", PublicAddressAdapter())
        try:
            response = session.post(webhook.url, data=body, headers=headers, allow_redirects=False,
                                    timeout=settings.NOTIFY_WEBHOOK_TIMEOUT_SECONDS)
        except EgressRefused as exc:
            return _note(webhook, f"refused: {exc}")
        except requests.RequestException as exc:
            return _note(webhook, f"failed: {type(exc).__name__}")
    status = str(response.status_code)
    if not 200 <= response.status_code < 300:
        return _note(webhook, f"answered {status}")
    return _note(webhook, status, failed=False)


def _note(webhook: AlertWebhook, status: str, *, failed: bool = True) -> str:
    if failed:
        logger.warning("alert webhook of tenant %s: %s", webhook.tenant.slug, status)
    stamp = f"{status} at {timezone.now():%Y-%m-%d %H:%M} UTC"
    AlertWebhook.objects.filter(pk=webhook.pk).update(last_status=stamp[:200])
    return status


def _mail_members(tenant: Tenant, alerts: list[TrafficAlert]) -> int:
    sent = 0
    for membership in members_wanting(tenant=tenant, kind="spike_email"):
        visible = set(member_access(membership).repositories().values_list("pk", flat=True))
        theirs = [alert for alert in alerts if alert.repository_id in visible]
        if not theirs:
            continue
        names = sorted({alert.repository.full_name for alert in theirs})
        shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
        subject = f"[ghtraffic] {tenant.name}: traffic spike on {shown}"
        body = "\n\n".join(f"{alert_line(alert)}\n{alert_url(alert)}" for alert in theirs) + (
            f"\n\nNotification settings: {preferences_url(tenant=tenant)}"
            f"\nStop spike alerts: {unsubscribe_url(membership=membership, kind='spike_email')}\n"
        )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email])
            sent += 1
        except Exception:
            logger.exception("could not e-mail spike alerts to a member of %s", tenant.slug)
    return sent


def alerts_deliver(*, tenant: Tenant, now: datetime | None = None) -> list[TrafficAlert]:
    """Deliver the tenant's alerts nobody was told about yet, each once (claimed before sending)."""
    now = now or timezone.now()
    undelivered = TrafficAlert.objects.filter(delivered_at__isnull=True)
    pending = list(undelivered.filter(repository__tenant=tenant).values_list("pk", flat=True))
    # One conditional UPDATE each: two checks running at once never deliver the same alert twice.
    claimed = [pk for pk in pending if undelivered.filter(pk=pk).update(delivered_at=now)]
    if not claimed:
        return []
    alerts = list(
        TrafficAlert.objects.filter(pk__in=claimed).select_related("repository__tenant").prefetch_related("causes")
        .order_by("date", "repository__owner", "repository__name", "metric")
    )
    _mail_members(tenant, alerts)
    webhook = AlertWebhook.objects.filter(tenant=tenant, enabled=True).select_related("tenant").first()
    if webhook is not None:
        webhook_post(webhook=webhook, payload=webhook_payload(tenant=tenant, alerts=alerts))
    return alerts
