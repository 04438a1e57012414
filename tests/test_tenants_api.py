"""Tenants API: tenants list/create, members list/invite, GitHub credential status/replace."""

from __future__ import annotations

import json

from django.contrib.auth.models import User
from django.test import Client

from tenants.crypto import decrypt_secret
from tenants.models import GitHubCredential, Invitation, Membership, Role


def _json(client: Client, method: str, path: str, body: dict):
    return client.generic(method, path, json.dumps(body), content_type="application/json")


def test_it_lists_the_callers_tenants_with_roles(world) -> None:
    response = world.client_for(world.viewer_a).get("/api/v1/tenants/")
    assert response.json() == [{"slug": "acme", "name": "Acme", "role": "viewer"}]
    assert Client().get("/api/v1/tenants/").status_code in (401, 403)


def test_it_lets_only_staff_create_tenants(world) -> None:
    response = _json(world.client_for(world.owner_a), "POST", "/api/v1/tenants/", {"slug": "new", "name": "New"})
    assert response.status_code == 403 and "staff" in response.json()["error"]
    staff = User.objects.create_user("root", "root@site.test", is_staff=True)
    client = world.client_for(staff)
    response = _json(client, "POST", "/api/v1/tenants/", {"slug": "new", "name": "New"})
    assert response.status_code == 201 and response.json()["role"] == "admin"
    assert Membership.objects.get(user=staff, tenant__slug="new").role == Role.ADMIN
    taken = _json(client, "POST", "/api/v1/tenants/", {"slug": "acme", "name": "Again"})
    assert taken.status_code == 400 and taken.json()["error"].startswith("slug")
    bad = _json(client, "POST", "/api/v1/tenants/", {"slug": "no spaces", "name": "X"})
    assert bad.status_code == 400 and "slug" in bad.json()["error"]


def test_it_lists_and_invites_members(world) -> None:
    assert world.client_for(world.viewer_a).get("/api/v1/t/acme/members/").status_code == 403
    client = world.client_for(world.owner_a)
    members = client.get("/api/v1/t/acme/members/").json()
    assert {(m["username"], m["role"]) for m in members} == {
        ("alice", "admin"), ("mae", "maintainer"), ("victor", "viewer"), ("lim", "viewer"),
    }
    response = _json(client, "POST", "/api/v1/t/acme/members/", {"email": "zed@acme.test", "role": "maintainer"})
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("email", "role", "status")} == {
        "email": "zed@acme.test", "role": "maintainer", "status": "invited"
    }
    assert Invitation.objects.filter(tenant=world.tenant_a, email="zed@acme.test").exists()
    # An existing account gets the very same answer and is not added.
    known = _json(client, "POST", "/api/v1/t/acme/members/", {"email": "bob@globex.test"})
    assert known.status_code == 201 and known.json()["status"] == "invited"
    assert not Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()
    bad = _json(client, "POST", "/api/v1/t/acme/members/", {"email": "x@acme.test", "role": "owner"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("role")


def test_it_replaces_the_credential_write_only(world) -> None:
    client = world.client_for(world.owner_a)
    assert client.get("/api/v1/t/acme/github-credential/").json() == {"configured": False, "kind": None, "last4": None}
    response = _json(client, "PUT", "/api/v1/t/acme/github-credential/", {"token": "ghp_apitoken9876"})
    assert response.status_code == 204
    assert decrypt_secret(GitHubCredential.objects.get(tenant=world.tenant_a).token_encrypted) == "ghp_apitoken9876"
    status = world.client_for(world.viewer_a).get("/api/v1/t/acme/github-credential/")
    assert status.json() == {"configured": True, "kind": "token", "last4": "9876"}
    assert "ghp_" not in status.content.decode()
    empty = _json(client, "PUT", "/api/v1/t/acme/github-credential/", {"token": ""})
    assert empty.status_code == 400 and empty.json()["error"].startswith("token")


def test_it_documents_the_tenant_endpoints_in_the_schema(world) -> None:
    schema = world.client_for(world.viewer_a).get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/tenants/"]) >= {"get", "post"}
    assert set(paths["/api/v1/t/{tenant_slug}/members/"]) >= {"get", "post"}
    assert set(paths["/api/v1/t/{tenant_slug}/github-credential/"]) >= {"get", "put"}
    assert "403" in paths["/api/v1/t/{tenant_slug}/members/"]["post"]["responses"]
