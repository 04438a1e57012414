"""Who wants which notification (selectors), and the signed one-click unsubscribe links in e-mails."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core import signing
from django.urls import reverse

from stats.models import NotificationPreference
from tenants.access import TenantAccess, tenant_access_for
from tenants.models import Membership, Role, Tenant

# What a member can turn on or off; the field of NotificationPreference and how the pages name it.
KINDS = {
    "spike_email": "Traffic spike alerts",
    "weekly_digest": "Weekly digest",
    "warning_email": "Credential warnings (admins)",
}
UNSUBSCRIBE_SALT = "ghtraffic.notify.unsubscribe"


def preference_of(membership: Membership) -> NotificationPreference:
    """The member's preferences; the defaults (unsaved) when they never changed any."""
    found = NotificationPreference.objects.filter(membership=membership).first()
    return found if found is not None else NotificationPreference(membership=membership)


def members_wanting(*, tenant: Tenant, kind: str, admins_only: bool = False) -> Iterator[Membership]:
    """Members of the tenant with an e-mail address who want `kind` (their preference, or its default)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    default = NotificationPreference._meta.get_field(kind).default
    members = Membership.objects.filter(tenant=tenant).exclude(user__email="").select_related("user", "tenant")
    if admins_only:
        members = members.filter(role=Role.ADMIN)
    chosen = dict(NotificationPreference.objects.filter(membership__tenant=tenant).values_list("membership_id", kind))
    for membership in members.order_by("user__email"):
        if chosen.get(membership.pk, default):
            yield membership


def member_access(membership: Membership) -> TenantAccess:
    """What this member may see (a repository-limited viewer: only their repositories)."""
    access = tenant_access_for(user=membership.user, slug=membership.tenant.slug)
    assert access is not None  # the membership exists
    return access


def unsubscribe_token(*, membership: Membership, kind: str) -> str:
    return signing.dumps({"m": membership.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(membership id, kind) of a link we signed; None when forged, mangled or for an unknown kind.
    No expiry: an old e-mail's link must still work."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or data.get("k") not in KINDS:
        return None
    return data["m"], data["k"]


def unsubscribe_target(token: str) -> tuple[Membership, str] | None:
    """The membership and kind a signed link unsubscribes from; None for a bad link or a membership gone."""
    read = unsubscribe_token_read(token)
    if read is None:
        return None
    membership = Membership.objects.select_related("tenant", "user").filter(pk=read[0]).first()
    return (membership, read[1]) if membership is not None else None


def site_url(path: str) -> str:
    """An absolute link for an e-mail (SITE_URL; a relative path when it is not configured)."""
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(*, membership: Membership, kind: str) -> str:
    token = unsubscribe_token(membership=membership, kind=kind)
    return site_url(reverse("notify-unsubscribe", kwargs={"token": token}))


def preferences_url(*, tenant: Tenant) -> str:
    return site_url(reverse("notify-preferences", kwargs={"tenant_slug": tenant.slug}))
