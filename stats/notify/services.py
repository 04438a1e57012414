"""Writes of the notification room: members' preferences, one-click unsubscribe, the tenant's alert webhook,
and the credential warning e-mails (each warning e-mailed once to the admins who want them)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from stats.models import AlertWebhook, NotificationPreference, WarningNotice
from stats.notify.preferences import KINDS, members_wanting, preferences_url, unsubscribe_url
from stats.notify.warnings import CredentialWarning, tenant_warnings
from tenants.crypto import encrypt_secret
from tenants.models import Membership, Tenant

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 16


class WebhookSettingsError(ValueError):
    """The webhook settings cannot be saved; the message says why."""


def notification_preferences_set(*, membership: Membership, **choices: bool) -> NotificationPreference:
    """Turn the named kinds (KINDS) on or off for this member; the others keep their value."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds: {', '.join(sorted(unknown))}")
    preference, _ = NotificationPreference.objects.get_or_create(membership=membership)
    for kind, wanted in choices.items():
        setattr(preference, kind, bool(wanted))
    preference.save()
    return preference


def notification_unsubscribe(*, membership: Membership, kind: str) -> NotificationPreference:
    """What a signed unsubscribe link does (stats.notify.preferences.unsubscribe_target reads it)."""
    return notification_preferences_set(membership=membership, **{kind: False})


def alert_webhook_set(*, tenant: Tenant, url: str, secret: str = "", enabled: bool = True) -> tuple[AlertWebhook, str]:
    """Save the tenant's outgoing webhook. An empty `secret` keeps the current one, or makes a new one for a
    new webhook. Returns (webhook, the new secret to show once, or "")."""
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise WebhookSettingsError("the webhook URL must be an http(s) URL, e.g. https://hooks.slack.com/…") from None
    existing = AlertWebhook.objects.filter(tenant=tenant).first()
    shown = ""
    secret = secret.strip()
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise WebhookSettingsError(f"the signing secret must have at least {MIN_SECRET_LENGTH} characters")
    if not secret and existing is None:
        secret = shown = secrets.token_urlsafe(32)
    webhook = existing or AlertWebhook(tenant=tenant)
    webhook.url, webhook.enabled = url, enabled
    if secret:
        webhook.secret_encrypted = encrypt_secret(secret)
    webhook.save()
    return webhook, shown


def alert_webhook_delete(*, tenant: Tenant) -> bool:
    deleted, _ = AlertWebhook.objects.filter(tenant=tenant).delete()
    return deleted > 0


def _warning_mail(tenant: Tenant, warning: CredentialWarning, membership: Membership) -> tuple[str, str]:
    subject = f"[ghtraffic] {tenant.name}: {warning.subject}"
    body = (
        f"{warning.message}.\n\nWhat to do: {warning.fix}.\n"
        + ("".join(f"\n  {name}" for name in warning.repositories) + "\n" if warning.repositories else "")
        + f"\nYou receive this as an admin of {tenant.name}. Notification settings: {preferences_url(tenant=tenant)}"
        + f"\nStop these e-mails: {unsubscribe_url(membership=membership, kind='warning_email')}\n"
    )
    return subject, body


def warnings_notify(*, tenant: Tenant, now: datetime | None = None) -> list[CredentialWarning]:
    """E-mail the tenant's admins each current warning not e-mailed before; forget warnings that no longer
    hold (a renewed token, access granted again), so they are told again if it happens again. Returns the
    warnings e-mailed now."""
    now = now or timezone.now()
    current = tenant_warnings(tenant=tenant, now=now)
    WarningNotice.objects.filter(tenant=tenant).exclude(key__in=[warning.key for warning in current]).delete()
    sent_before = set(WarningNotice.objects.filter(tenant=tenant).values_list("key", flat=True))
    fresh = [warning for warning in current if warning.key not in sent_before]
    if not fresh:
        return []
    admins = list(members_wanting(tenant=tenant, kind="warning_email", admins_only=True))
    sent: list[CredentialWarning] = []
    for warning in fresh:
        try:
            with transaction.atomic():
                # Claimed first: two checks running at once send it once.
                WarningNotice.objects.create(tenant=tenant, key=warning.key, sent_at=now)
        except IntegrityError:
            continue
        for membership in admins:
            subject, body = _warning_mail(tenant, warning, membership)
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email])
            except Exception:
                logger.exception("could not e-mail warning %s to an admin of %s", warning.kind, tenant.slug)
        sent.append(warning)
    return sent
