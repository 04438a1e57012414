"""The shared fixture world: tenant A with an owner (admin) and a viewer, tenant B with an owner; on
first use, tenant A's maintainer and a viewer limited to repo_a (with a hidden second repository).

Each test gets a fresh database state (pytest-django rolls back), so tests are order-independent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from repos.models import Repository
from tenants.models import Membership, Role, Tenant
from tenants.scoping import system_scope
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2 is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def scopes_off_for_test_code() -> Iterator[None]:
    """Test code itself may query any tenant's rows. Requests made through the test client still run
    TenantMiddleware, which sets its own scope (tenant, empty or admin) for the request, so views are
    checked exactly as in production."""
    with system_scope():
        yield


@dataclass
class World:
    tenant_a: Tenant
    tenant_b: Tenant
    owner_a: User
    viewer_a: User
    owner_b: User
    repo_a: Repository
    repo_b: Repository

    # Tenant A's other members and its second repository are created on first use: an extra active
    # repository would change what every collection and freshness test of tenant A sees.
    @cached_property
    def maintainer(self) -> User:
        """Maintainer of tenant A."""
        user = User.objects.create_user("maya", "maya@acme.test", PASSWORD)
        Membership.objects.create(user=user, tenant=self.tenant_a, role=Role.MAINTAINER)
        return user

    @cached_property
    def repo_a_hidden(self) -> Repository:
        """Tenant A's second repository (acme/hidden-gem), which `limited_viewer` must never see."""
        return Repository.objects.create(tenant=self.tenant_a, owner="acme", name="hidden-gem", github_id=1002)

    @cached_property
    def limited_viewer(self) -> User:
        """Viewer of tenant A limited to `repo_a` (tenant A then also has `repo_a_hidden`)."""
        self.repo_a_hidden  # noqa: B018 - exists before the viewer, so there is something to hide
        user = User.objects.create_user("lena", "lena@acme.test", PASSWORD)
        membership = Membership.objects.create(
            user=user, tenant=self.tenant_a, role=Role.VIEWER, repository_limited=True
        )
        membership.limited_to.set([self.repo_a])
        return user

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(db) -> World:
    tenant_a = Tenant.objects.create(slug="acme", name="Acme")
    tenant_b = Tenant.objects.create(slug="globex", name="Globex")
    owner_a = User.objects.create_user("alice", "alice@acme.test", PASSWORD)
    viewer_a = User.objects.create_user("victor", "victor@acme.test", PASSWORD)
    owner_b = User.objects.create_user("bob", "bob@globex.test", PASSWORD)
    Membership.objects.create(user=owner_a, tenant=tenant_a, role=Role.ADMIN)
    Membership.objects.create(user=viewer_a, tenant=tenant_a, role=Role.VIEWER)
    Membership.objects.create(user=owner_b, tenant=tenant_b, role=Role.ADMIN)
    repo_a = Repository.objects.create(tenant=tenant_a, owner="acme", name="rocket", github_id=1001)
    repo_b = Repository.objects.create(tenant=tenant_b, owner="globex", name="secret-plans", github_id=2001)
    return World(tenant_a, tenant_b, owner_a, viewer_a, owner_b, repo_a, repo_b)


@pytest.fixture
def fake_github(settings):
    """A running FakeGitHub (real HTTP on 127.0.0.1, random port); GITHUB_API_URL points at it.

    Client retries back off without sleeping so fault tests stay fast.
    """
    from devtools.fake_github import FakeGitHub

    with FakeGitHub() as github:
        settings.GITHUB_API_URL = github.url
        settings.GITHUB_RETRY_BACKOFF = 0
        settings.GITHUB_TIMEOUT_SECONDS = 5
        yield github


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    # The sync Playwright API runs an event loop in this thread; Django's ORM must still be usable.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        yield page
        # Queries made while Playwright's event loop runs get a connection of their own: close it
        # here, inside that context, or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
        context.close()
        browser.close()
