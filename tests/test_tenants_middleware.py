"""TenantMiddleware: the one place `tenant_slug` becomes `request.tenant_access` (404 for non-members)."""

from __future__ import annotations

from django.test import Client
from knox.models import AuthToken

from tenants.models import Membership


def test_it_answers_404_for_unknown_tenants_and_non_members(world) -> None:
    client = world.client_for(world.owner_a)
    assert client.get("/t/acme/settings/members/").status_code == 200
    assert client.get("/t/globex/settings/members/").status_code == 404
    assert client.get("/t/no-such-tenant/settings/members/").status_code == 404
    api = client.get("/api/v1/t/globex/repos/")
    assert api.status_code == 404 and api.json() == {"error": "not found"}


def test_it_answers_401_json_to_anonymous_api_calls_and_redirects_pages(world) -> None:
    response = Client().get("/api/v1/t/acme/repos/")
    assert response.status_code == 401 and "error" in response.json()
    page = Client().get("/t/acme/settings/members/")
    assert page.status_code == 302 and page["Location"] == "/accounts/login/?next=/t/acme/settings/members/"


def test_it_resolves_token_users_for_the_api(world) -> None:
    _, token = AuthToken.objects.create(user=world.viewer_a)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/t/acme/repos/").status_code == 200
    assert client.get("/api/v1/t/globex/repos/").status_code == 404
    assert Client(HTTP_AUTHORIZATION="Token not-a-token").get("/api/v1/t/acme/repos/").status_code == 401


def test_it_forgets_access_when_membership_or_account_ends(world) -> None:
    client = world.client_for(world.viewer_a)
    _, token = AuthToken.objects.create(user=world.viewer_a)
    assert client.get("/api/v1/t/acme/repos/").status_code == 200
    Membership.objects.filter(user=world.viewer_a).delete()
    assert client.get("/api/v1/t/acme/repos/").status_code == 404
    Membership.objects.create(user=world.viewer_a, tenant=world.tenant_a)
    world.viewer_a.is_active = False
    world.viewer_a.save()
    assert client.get("/t/acme/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/t/acme/repos/").status_code == 401
