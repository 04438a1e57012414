"""OpenID Connect login (mozilla-django-oidc) matched to tenants by verified e-mail.

Settings are read at call time (not import time), so tests and admins can change them without a
restart of the URL configuration. Endpoints come from the explicit `OIDC_OP_*` settings or, when those
are empty, from `OIDC_OP_ISSUER` + `/.well-known/openid-configuration` (cached).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from tenants.scoping import system_scope
from tenants.services import invitations_accept, tenant_create_for_signup

logger = logging.getLogger(__name__)

NO_ACCESS_SESSION_KEY = "oidc_no_access_email"

# Our setting name → the discovery document's key.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def provider_metadata(issuer: str | None = None) -> dict[str, Any]:
    """The issuer's discovery document, cached for OIDC_DISCOVERY_CACHE_SECONDS."""
    issuer = (issuer if issuer is not None else settings.OIDC_OP_ISSUER).rstrip("/")
    if not issuer:
        return {}
    key = f"oidc-discovery:{issuer}"
    metadata = cache.get(key)
    if metadata is None:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration",
            timeout=getattr(settings, "OIDC_TIMEOUT", None) or 10,
            verify=getattr(settings, "OIDC_VERIFY_SSL", True),
        )
        response.raise_for_status()
        metadata = response.json()
        if metadata.get("issuer", "").rstrip("/") != issuer:
            raise ImproperlyConfigured(f"OIDC discovery for {issuer} names another issuer: {metadata.get('issuer')}")
        cache.set(key, metadata, timeout=settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return metadata


def oidc_setting(name: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting, with endpoints filled from discovery when not set explicitly."""
    value = getattr(settings, name, None)
    if name in DISCOVERED and not value and settings.OIDC_OP_ISSUER:
        value = provider_metadata().get(DISCOVERED[name]) or None
    if value is None or value == "":
        if default:
            return default[0]
        if name in DISCOVERED:
            return None
        raise ImproperlyConfigured(f"Setting {name} not found")
    return value


def provider_logout_url(request: HttpRequest) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: end the provider session too (RP-initiated logout) when it supports it."""
    after = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", None) if oidc_enabled() and id_token else None
    if not endpoint:
        return after
    after = request.build_absolute_uri(after)
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": after, "client_id": settings.OIDC_RP_CLIENT_ID}
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _username_for(email: str) -> str:
    User = get_user_model()
    base = email.strip().lower()[:140]
    username, counter = base, 1
    while User.objects.filter(username=username).exists():
        counter += 1
        username = f"{base}-{counter}"
    return username


def _slug_for(email: str) -> str:
    from tenants.models import Tenant

    base = re.sub(r"[^a-z0-9-]+", "-", email.split("@")[0].lower()).strip("-")[:40] or "team"
    slug, counter = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        counter += 1
        slug = f"{base}-{counter}"
    return slug


class TenantOIDCBackend(OIDCAuthenticationBackend):
    """Logs in a provider identity whose *verified* e-mail matches a user or a pending invitation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Unlike the parent, read nothing here: this backend is always installed and must not break
        # password login when OIDC is not configured. Settings are read per authentication.
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def _load_settings(self) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = oidc_setting("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = oidc_setting("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = oidc_setting("OIDC_OP_JWKS_ENDPOINT", None)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not (
            self.OIDC_RP_IDP_SIGN_KEY or self.OIDC_OP_JWKS_ENDPOINT
        ):
            raise ImproperlyConfigured(f"{self.OIDC_RP_SIGN_ALGO} needs OIDC_OP_JWKS_ENDPOINT or OIDC_OP_ISSUER")

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or not oidc_enabled() or "code" not in request.GET:
            return None
        self._load_settings()
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # An unverified e-mail could be anyone's: never match on it.
        return bool(claims.get("email")) and claims.get("email_verified") is True

    def create_user(self, claims: dict[str, Any]) -> Any:
        """Only an identity with a pending invitation (or self-signup when allowed) gets an account.

        A new identity's first login is its acceptance of the invitations to its verified e-mail. An
        existing user's login accepts nothing: they answer their invitations on the invitations page.
        """
        from tenants.models import Invitation

        email = claims["email"].strip()
        with system_scope():  # scope: login looks for an invitation of any tenant
            invited = Invitation.objects.filter(
                email__iexact=email, accepted_at__isnull=True, declined_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).exists()
        if not invited and not settings.OIDC_ALLOW_SELF_SIGNUP:
            self.request.session[NO_ACCESS_SESSION_KEY] = email
            logger.info("OIDC login of %s refused: no user and no invitation", email)
            return None
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                _username_for(email),
                email=email,
                first_name=str(claims.get("given_name", ""))[:150],
                last_name=str(claims.get("family_name", ""))[:150],
            )
            if invited:
                with system_scope():  # scope: the invitations of any tenant to this verified e-mail
                    invitations_accept(user=user, email=email)
            else:
                # A new tenant has no scoped rows yet; the service creates only Tenant and Membership.
                tenant_create_for_signup(slug=_slug_for(email), name=f"{email}'s tenant", admin=user)
        return user


class TenantOIDCAuthenticationRequestView(OIDCAuthenticationRequestView):
    """Starts the provider login; 404 when OIDC is not configured."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("OpenID Connect login is not configured")
        self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class TenantOIDCCallbackView(OIDCAuthenticationCallbackView):
    """Unknown identities land on the "no access yet" page; other failures back on the login page."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("OpenID Connect login is not configured")
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        if self.request.session.pop(NO_ACCESS_SESSION_KEY, None):
            return HttpResponseRedirect(reverse("no-access"))
        return HttpResponseRedirect(f"{reverse('login')}?error=oidc")


class TenantLogoutView(OIDCLogoutView):
    """POST-only logout for every login method; ends the provider session after an OIDC login."""

    http_method_names = ["post"]

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)
