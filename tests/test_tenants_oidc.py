"""OIDC pieces without a browser: discovery (cached), verified-e-mail matching, self-signup,
RP-initiated logout URL, and OIDC being off."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from tenants.models import Invitation, Membership, Role
from tenants.oidc import NO_ACCESS_SESSION_KEY, TenantOIDCBackend, oidc_setting, provider_logout_url


class Discovery:
    def __init__(self) -> None:
        self.hits = 0
        self.issuer_override: str | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                body = json.dumps(
                    {
                        "issuer": outer.issuer_override or outer.issuer,
                        "authorization_endpoint": f"{outer.issuer}/auth",
                        "token_endpoint": f"{outer.issuer}/token",
                        "userinfo_endpoint": f"{outer.issuer}/me",
                        "jwks_uri": f"{outer.issuer}/jwks",
                        "end_session_endpoint": f"{outer.issuer}/session/end",
                    }
                ).encode()
                self.send_response(200 if self.path == "/.well-known/openid-configuration" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def discovery(settings):
    cache.clear()
    server = Discovery()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "client"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_ISSUER = server.issuer
    yield server
    server.server.shutdown()
    cache.clear()


def _backend_with_request():
    backend = TenantOIDCBackend()
    request = RequestFactory().get("/oidc/callback/")
    request.session = Client().session
    backend.request = request
    return backend, request


def test_it_discovers_endpoints_once_and_caches_them(discovery, settings) -> None:
    assert oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == f"{discovery.issuer}/token"
    assert oidc_setting("OIDC_OP_JWKS_ENDPOINT") == f"{discovery.issuer}/jwks"
    assert oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT") == f"{discovery.issuer}/auth"
    assert discovery.hits == 1
    # An explicit setting wins over discovery.
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://explicit.example/token"
    assert oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == "https://explicit.example/token"


def test_it_refuses_a_discovery_document_of_another_issuer(discovery) -> None:
    discovery.issuer_override = "https://evil.example"
    with pytest.raises(ImproperlyConfigured, match="another issuer"):
        oidc_setting("OIDC_OP_TOKEN_ENDPOINT")


def test_it_only_accepts_verified_emails(db) -> None:
    backend = TenantOIDCBackend()
    assert backend.verify_claims({"email": "a@b.test", "email_verified": True})
    assert not backend.verify_claims({"email": "a@b.test", "email_verified": False})
    assert not backend.verify_claims({"email": "a@b.test", "email_verified": "true"})
    assert not backend.verify_claims({"email": "a@b.test"})
    assert not backend.verify_claims({"email_verified": True})


def test_it_creates_users_only_for_invited_identities(world, settings) -> None:
    settings.OIDC_ALLOW_SELF_SIGNUP = False
    backend, request = _backend_with_request()
    assert backend.create_user({"email": "nobody@else.test", "email_verified": True}) is None
    assert request.session[NO_ACCESS_SESSION_KEY] == "nobody@else.test"
    assert not User.objects.filter(email="nobody@else.test").exists()
    Invitation.objects.create(tenant=world.tenant_a, email="guest@acme.test", role=Role.MAINTAINER)
    user = backend.create_user({"email": "guest@acme.test", "email_verified": True})
    assert user.username == "guest@acme.test"


def test_it_gives_a_self_signup_identity_its_own_tenant(world, settings) -> None:
    settings.OIDC_ALLOW_SELF_SIGNUP = True
    backend, _ = _backend_with_request()
    user = backend.create_user({"email": "acme@startup.test", "email_verified": True})
    membership = Membership.objects.get(user=user)
    # "acme" is taken by tenant A: the new tenant gets another slug and never joins an existing one.
    assert membership.role == Role.ADMIN and membership.tenant.slug == "acme-2"


def test_it_ends_the_provider_session_on_logout_when_it_can(discovery, db) -> None:
    request = RequestFactory().post("/accounts/logout/")
    request.session = Client().session
    assert provider_logout_url(request) == "/accounts/login/"
    request.session["oidc_id_token"] = "the.id.token"
    url = urlsplit(provider_logout_url(request))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{discovery.issuer}/session/end"
    query = parse_qs(url.query)
    assert query["id_token_hint"] == ["the.id.token"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]


def test_it_stays_out_of_the_way_when_oidc_is_off(world, settings) -> None:
    settings.OIDC_ENABLED = False
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    request = RequestFactory().get("/oidc/callback/", {"code": "x", "state": "y"})
    assert TenantOIDCBackend().authenticate(request) is None
    # Password login keeps working with the OIDC backend installed.
    assert (
        Client().post("/accounts/login/", {"username": "alice", "password": "correct-horse-battery-staple"}).status_code
        == 302
    )


def test_it_redirects_to_the_provider_with_pkce_and_nonce(discovery, db) -> None:
    response = Client().get("/oidc/authenticate/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{discovery.issuer}/auth"
    query = parse_qs(location.query)
    assert query["client_id"] == ["client"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    assert query["scope"] == ["openid email profile"]
