"""The shared fixture world and the fixtures every module may use.

Tenant A ("acme"): admin alice (`owner_a`), maintainer mae, viewer victor (`viewer_a`) and lim, a viewer limited
to acme/rocket (`repo_a`); acme/hidden-gem (`repo_a_hidden`) is the repository lim cannot see. Tenant B ("globex"):
admin bob with globex/secret-plans. Olga (`outsider`) belongs to no tenant.

Each test gets a fresh database state (pytest-django rolls back), so tests are order-independent. Time: services
take `now=`/`today=`; anything else (views, commands) is pinned with the `time_machine` fixture, never patched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from repos.models import Repository
from tenants.models import Membership, Role, Tenant
from tenants.scoping import system_scope
from tenants.services import membership_limit_set
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
    maintainer: User
    viewer_a: User
    limited_viewer: User
    owner_b: User
    outsider: User
    repo_a: Repository
    repo_a_hidden: Repository
    repo_b: Repository

    # The people's names, as PREAMBLE.md uses them.
    @property
    def alice(self) -> User:
        return self.owner_a

    @property
    def victor(self) -> User:
        return self.viewer_a

    @property
    def bob(self) -> User:
        return self.owner_b

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(db) -> World:
    tenant_a = Tenant.objects.create(slug="acme", name="Acme")
    tenant_b = Tenant.objects.create(slug="globex", name="Globex")
    owner_a = User.objects.create_user("alice", "alice@acme.test", PASSWORD)
    maintainer = User.objects.create_user("mae", "mae@acme.test", PASSWORD)
    viewer_a = User.objects.create_user("victor", "victor@acme.test", PASSWORD)
    limited_viewer = User.objects.create_user("lim", "lim@acme.test", PASSWORD)
    owner_b = User.objects.create_user("bob", "bob@globex.test", PASSWORD)
    outsider = User.objects.create_user("olga", "olga@nowhere.test", PASSWORD)
    repo_a = Repository.objects.create(tenant=tenant_a, owner="acme", name="rocket", github_id=1001)
    repo_a_hidden = Repository.objects.create(tenant=tenant_a, owner="acme", name="hidden-gem", github_id=1002)
    repo_b = Repository.objects.create(tenant=tenant_b, owner="globex", name="secret-plans", github_id=2001)
    Membership.objects.create(user=owner_a, tenant=tenant_a, role=Role.ADMIN)
    Membership.objects.create(user=maintainer, tenant=tenant_a, role=Role.MAINTAINER)
    Membership.objects.create(user=viewer_a, tenant=tenant_a, role=Role.VIEWER)
    membership_limit_set(
        membership=Membership.objects.create(user=limited_viewer, tenant=tenant_a, role=Role.VIEWER),
        repositories=[repo_a],
    )
    Membership.objects.create(user=owner_b, tenant=tenant_b, role=Role.ADMIN)
    return World(
        tenant_a=tenant_a,
        tenant_b=tenant_b,
        owner_a=owner_a,
        maintainer=maintainer,
        viewer_a=viewer_a,
        limited_viewer=limited_viewer,
        owner_b=owner_b,
        outsider=outsider,
        repo_a=repo_a,
        repo_a_hidden=repo_a_hidden,
        repo_b=repo_b,
    )


@pytest.fixture
def rocket_only(world: World) -> World:
    """For tests about collecting or freshness of tenant A's one repository: acme/hidden-gem leaves the world
    (the fake GitHub does not know it, and it would never be collected)."""
    world.repo_a_hidden.delete()
    return world


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Tasks handed to django-q2, recorded as (function path, *args) instead of sent to a broker."""
    from stats.collection import scheduling

    calls: list[tuple] = []
    monkeypatch.setattr(scheduling, "async_task", lambda func, *args, **kwargs: calls.append((func, *args)))
    return calls


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


@pytest.fixture
def github_app(fake_github, settings):
    """The fake GitHub serving a GitHub App too (id 4242, a throwaway RSA key); the server is configured
    for it and starts with no cached installation token."""
    from repos.github_app import installation_tokens

    app = fake_github.enable_app(app_id=4242)
    settings.GITHUB_APP_ID = "4242"
    settings.GITHUB_APP_PRIVATE_KEY = app.private_key_pem
    settings.GITHUB_APP_PRIVATE_KEY_FILE = ""
    settings.GITHUB_APP_SLUG = "ghtraffic-test"
    settings.GITHUB_APP_WEBHOOK_SECRET = "test-app-webhook-secret"
    installation_tokens.clear()
    yield app
    installation_tokens.clear()
