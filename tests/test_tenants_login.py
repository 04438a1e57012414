"""Login page, `/` routing, tenant switcher, profile API token. Lock-out: test_login_protection.py."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken

from tenants.models import Membership, Role, Tenant

from .conftest import PASSWORD


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_shows_the_password_form_and_no_sso_button_by_default(db, settings) -> None:
    settings.OIDC_ENABLED = False
    page = Client().get("/accounts/login/").content.decode()
    assert 'name="password"' in page
    assert "single sign-on" not in page
    assert "csrfmiddlewaretoken" in page


def test_it_shows_only_the_sso_button_when_password_login_is_off(db, settings) -> None:
    settings.OIDC_ENABLED = True
    settings.PASSWORD_LOGIN_ENABLED = False
    page = Client().get("/accounts/login/").content.decode()
    assert "Log in with single sign-on" in page
    assert 'name="password"' not in page


def test_it_refuses_password_login_when_disabled(world, settings) -> None:
    settings.PASSWORD_LOGIN_ENABLED = False
    response = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in Client().session


def test_it_logs_in_with_a_password_and_goes_to_the_only_tenant(world) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/t/acme/"


def test_it_shows_a_picker_and_a_switcher_to_members_of_several_tenants(world) -> None:
    Membership.objects.create(user=world.owner_a, tenant=world.tenant_b, role=Role.VIEWER)
    client = world.client_for(world.owner_a)
    page = client.get("/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "/t/acme/" in body and "/t/globex/" in body
    assert 'name="tenant"' in body  # the switcher's <select>
    assert client.get("/switch/", {"tenant": "globex"})["Location"] == "/t/globex/"
    # A tenant the user is not in is never a switch target.
    Tenant.objects.create(slug="initech", name="Initech")
    assert client.get("/switch/", {"tenant": "initech"})["Location"] == "/"


def test_it_tells_users_without_a_tenant_to_ask_for_an_invitation(world) -> None:
    Membership.objects.filter(user=world.viewer_a).delete()
    body = world.client_for(world.viewer_a).get("/").content.decode()
    assert "Ask a tenant admin to invite you" in body


def test_it_shows_the_no_access_page_without_data(world) -> None:
    body = Client().get("/accounts/no-access/").content.decode()
    assert "No access yet" in body and "Acme" not in body


def test_it_creates_shows_once_and_revokes_an_api_token(world) -> None:
    client = world.client_for(world.viewer_a)
    assert "You have no API token" in client.get("/accounts/profile/").content.decode()
    response = client.post("/accounts/profile/token/")
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'<code class="token"[^>]*>([0-9a-f]{64})</code>', response.content.decode()).group(1)
    # Never shown again.
    assert key not in client.get("/accounts/profile/").content.decode()
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/t/acme/repos/").status_code == 200
    assert api.get("/api/v1/t/globex/repos/").status_code == 404
    client.post("/accounts/profile/token/revoke/")
    assert not AuthToken.objects.filter(user=world.viewer_a).exists()
    assert api.get("/api/v1/t/acme/repos/").status_code == 401


def test_it_logs_out_only_by_post(world) -> None:
    client = world.client_for(world.viewer_a)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"].startswith("/accounts/login/")
