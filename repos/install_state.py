"""The `state` of the GitHub App install link: signed, short-lived, bound to the tenant, the admin
and their browser session, and usable once. GitHub hands it back on the App's setup URL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing

from tenants.models import Membership, Role, Tenant

STATE_SALT = "ghtraffic.github-app.install-state"
STATE_MAX_AGE_SECONDS = 15 * 60
SESSION_KEY = "github_app_install_nonces"
# Install links opened but not finished yet, per session (older ones stop working).
MAX_PENDING = 5


class InstallStateInvalid(Exception):
    """Forged, expired, replayed, or not for this user; the message says which."""


@dataclass(frozen=True)
class InstallClaim:
    tenant: Tenant
    follow_all: bool


def install_state_create(
    *, session: SessionBase, tenant: Tenant, user: AbstractBaseUser, follow_all: bool
) -> str:
    nonce = secrets.token_urlsafe(18)
    earlier = list(session.get(SESSION_KEY, []))[-(MAX_PENDING - 1):]
    session[SESSION_KEY] = [*earlier, nonce]
    return signing.dumps({"t": tenant.pk, "u": user.pk, "f": bool(follow_all), "n": nonce}, salt=STATE_SALT)


def install_state_consume(
    *, session: SessionBase, state: str, user: AbstractBaseUser, max_age: float = STATE_MAX_AGE_SECONDS
) -> InstallClaim:
    """The tenant (and choice) the state was made for; it cannot be used again."""
    try:
        data: Any = signing.loads(state, salt=STATE_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InstallStateInvalid("the GitHub App install link expired: start again from the settings") from None
    except signing.BadSignature:
        raise InstallStateInvalid("the GitHub App install link is not valid: start again from the settings") from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise InstallStateInvalid("this GitHub App install link was started by someone else")
    pending = list(session.get(SESSION_KEY, []))
    if data.get("n") not in pending:
        raise InstallStateInvalid("this GitHub App install link was already used: start again from the settings")
    pending.remove(data["n"])
    session[SESSION_KEY] = pending
    membership = Membership.objects.select_related("tenant").filter(tenant_id=data.get("t"), user=user).first()
    if membership is None or not membership.has_role(Role.ADMIN):
        raise InstallStateInvalid("only an admin of the tenant can link a GitHub App installation")
    return InstallClaim(tenant=membership.tenant, follow_all=bool(data.get("f")))
