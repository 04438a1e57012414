"""End-to-end OpenID Connect login against a real provider (npm oidc-provider on Node), driven by
Playwright + Debian's Chromium: an invited identity lands on its tenant, an unknown one on the
no-access page, an unverified e-mail is refused, and logout ends the provider session too."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections

from tenants.models import Invitation, Membership, Role, Tenant
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
ACCOUNTS = {
    "invited": {"email": "Invited@Acme.test", "email_verified": True},
    "stranger": {"email": "stranger@nowhere.test", "email_verified": True},
    "sneaky": {"email": "boss@acme.test", "email_verified": False},
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (needed for oidc-provider)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(
        not (ROOT / "node_modules" / "oidc-provider").exists(), reason="npm package oidc-provider missing: run npm ci"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider(live_server) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            "node",
            str(PROVIDER_SCRIPT),
            str(port),
            f"{live_server.url}/oidc/callback/",
            f"{live_server.url}/accounts/login/",
        ],
        cwd=ROOT,
        env={**os.environ, "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("ready "), f"oidc-provider did not start: {line!r}"
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_settings(settings, provider) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "ghtraffic-test"
    settings.OIDC_RP_CLIENT_SECRET = "ghtraffic-test-secret"
    settings.OIDC_OP_ISSUER = provider
    settings.OIDC_ALLOW_SELF_SIGNUP = False
    # As settings.py does when OIDC_OP_ISSUER is set: logout's form POST may redirect to the provider.
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**policy["DIRECTIVES"], "form-action": ["'self'", provider]},
    }
    cache.clear()  # no discovery document of an earlier provider


def _login(browser, base_url: str, login: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("link", name="Log in with single sign-on").click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/**")
    page.wait_for_load_state()
    return context, page


def test_it_logs_invited_users_in_through_a_real_provider(transactional_db, live_server, oidc_settings, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; our ORM calls here are still sequential.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    tenant = Tenant.objects.create(slug="acme", name="Acme")
    Invitation.objects.create(tenant=tenant, email="invited@acme.test", role=Role.MAINTAINER)
    Invitation.objects.create(tenant=tenant, email="boss@acme.test", role=Role.ADMIN)
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The invited identity: account created, invitation turned into a membership, tenant dashboard.
            context, page = _login(browser, base, "invited")
            assert page.url == f"{base}/t/acme/", page.url
            assert page.locator("body").inner_text()
            membership = Membership.objects.get(user__email__iexact="invited@acme.test")
            assert (membership.tenant, membership.role) == (tenant, Role.MAINTAINER)
            assert Invitation.objects.get(email="invited@acme.test").accepted_at is not None
            response = page.goto(f"{base}/t/acme/")
            assert response is not None and response.status == 200

            # Logout ends the provider session too (RP-initiated logout): the provider asks to confirm.
            page.get_by_role("button", name="Log out").click()
            page.wait_for_load_state()
            assert "/session/end" in page.url, page.url
            page.get_by_role("button", name="Yes, sign me out").click()
            page.wait_for_url(f"{base}/accounts/login/**")
            assert page.goto(f"{base}/t/acme/").url.startswith(f"{base}/accounts/login/")
            context.close()

            # An unknown (verified) identity: no account, the no-access page, no data.
            context, page = _login(browser, base, "stranger")
            assert page.url == f"{base}/accounts/no-access/", page.url
            assert "No access yet" in page.content()
            assert "Acme" not in page.locator("main").inner_text()
            assert not Membership.objects.filter(user__email="stranger@nowhere.test").exists()
            context.close()

            # An unverified e-mail never matches, even with a pending invitation.
            context, page = _login(browser, base, "sneaky")
            assert page.url.startswith(f"{base}/accounts/login/"), page.url
            assert "did not complete" in page.content()
            assert not Membership.objects.filter(user__email="boss@acme.test").exists()
            context.close()
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs use their own connection: close it, or
            # PostgreSQL cannot drop the test database at the end of the session.
            connections.close_all()
