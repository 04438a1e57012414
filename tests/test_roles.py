"""Role matrix: viewer / maintainer / admin / repository-limited viewer, for each tenant action.

An allowed action must not answer 403 or 404; a forbidden one must answer exactly 403."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from rest_framework.test import APIRequestFactory

from tenants.access import TenantAccess, tenant_access_for
from tenants.decorators import tenant_role_required
from tenants.models import Membership, Role
from tenants.permissions import HasTenantAccess, TenantRole


@dataclass(frozen=True)
class Action:
    label: str
    method: str
    path: str
    needs: Role
    data: dict | None = None


ACTIONS = [
    Action("see the dashboard", "GET", "/t/acme/", Role.VIEWER),
    Action("list repositories (API)", "GET", "/api/v1/t/acme/repos/", Role.VIEWER),
    Action("add a repository (API)", "POST", "/api/v1/t/acme/repos/", Role.MAINTAINER, {"full_name": "acme/new"}),
    Action("list members (API)", "GET", "/api/v1/t/acme/members/", Role.ADMIN),
    Action("see the credential status (API)", "GET", "/api/v1/t/acme/github-credential/", Role.VIEWER),
    Action("open tenant settings", "GET", "/t/acme/settings/", Role.ADMIN),
    Action("rename the tenant", "POST", "/t/acme/settings/", Role.ADMIN, {"name": "Acme Renamed"}),
    Action("open members", "GET", "/t/acme/settings/members/", Role.ADMIN),
    Action("invite", "POST", "/t/acme/settings/members/", Role.ADMIN, {"email": "new@acme.test", "role": "viewer"}),
    Action("open the credential page", "GET", "/t/acme/settings/credential/", Role.ADMIN),
    Action("set the credential", "POST", "/t/acme/settings/credential/", Role.ADMIN, {"token": "ghp_abcdef1234"}),
    Action("invite (API)", "POST", "/api/v1/t/acme/members/", Role.ADMIN, {"email": "api@acme.test"}),
    Action("set the credential (API)", "PUT", "/api/v1/t/acme/github-credential/", Role.ADMIN, {"token": "ghp_x9"}),
]


@pytest.fixture
def people(world) -> dict[str, User]:
    return {
        "viewer": world.viewer_a,
        "limited viewer": world.limited_viewer,
        "maintainer": world.maintainer,
        "admin": world.owner_a,
    }


ROLE_OF = {"viewer": Role.VIEWER, "limited viewer": Role.VIEWER, "maintainer": Role.MAINTAINER, "admin": Role.ADMIN}


def _send(client: Client, action: Action):
    if action.path.startswith("/api/"):
        body = json.dumps(action.data or {})
        return client.generic(action.method, action.path, body, content_type="application/json")
    if action.method == "GET":
        return client.get(action.path)
    return client.post(action.path, action.data or {})


def test_it_enforces_the_role_matrix(world, people) -> None:
    problems = []
    for who, user in people.items():
        for action in ACTIONS:
            response = _send(world.client_for(user), action)
            allowed = ROLE_OF[who].at_least(action.needs)
            if allowed and response.status_code in (403, 404):
                problems.append(f"{who} may {action.label} but got {response.status_code}")
            if not allowed and response.status_code != 403:
                problems.append(f"{who} must not {action.label} but got {response.status_code}")
            if not allowed and action.path.startswith("/api/") and "error" not in response.json():
                problems.append(f"{who} / {action.label}: 403 without an error message")
    assert not problems, "\n".join(problems)


def test_it_limits_a_repo_limited_viewer_to_the_chosen_repositories(world, people) -> None:
    hidden = world.repo_a_hidden
    access = tenant_access_for(user=people["limited viewer"], slug="acme")
    assert access is not None and access.is_limited
    assert list(access.repositories()) == [world.repo_a]
    client = world.client_for(people["limited viewer"])
    listed = client.get("/api/v1/t/acme/repos/").json()
    assert [repo["full_name"] for repo in listed] == ["acme/rocket"]
    assert client.get("/api/v1/t/acme/repos/acme/hidden-gem/traffic/").status_code == 404
    assert client.get("/api/v1/t/acme/repos/acme/rocket/traffic/").status_code == 200
    # A full viewer sees both.
    full = tenant_access_for(user=world.viewer_a, slug="acme")
    assert set(full.repositories()) == {world.repo_a, hidden}
    # Members and their e-mails are for admins only.
    Membership.objects.get(user=world.viewer_a).limited_to.set([hidden])
    assert client.get("/api/v1/t/acme/members/").status_code == 403


def test_it_offers_a_decorator_answering_403_html_or_json(world) -> None:
    @tenant_role_required(Role.MAINTAINER)
    def view(request, tenant_slug):
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    factory = RequestFactory()
    request = factory.get("/t/acme/x/")
    request.tenant_access = TenantAccess(tenant=world.tenant_a, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        view(request, tenant_slug="acme")
    api_request = factory.get("/api/v1/t/acme/x/")
    api_request.tenant_access = TenantAccess(tenant=world.tenant_a, role=Role.VIEWER)
    response = view(api_request, tenant_slug="acme")
    assert response.status_code == 403 and "maintainer" in json.loads(response.content)["error"]
    request.tenant_access = TenantAccess(tenant=world.tenant_a, role=Role.MAINTAINER)
    assert view(request, tenant_slug="acme").content == b"ok"
    bare = factory.get("/no-tenant/")
    with pytest.raises(Http404):
        view(bare, tenant_slug="acme")


def test_it_offers_drf_permissions_by_role_and_method(world) -> None:
    factory = APIRequestFactory()
    viewer = TenantAccess(tenant=world.tenant_a, role=Role.VIEWER)
    mixed = TenantRole(Role.VIEWER, write=Role.ADMIN)()

    def req(method: str, access: TenantAccess | None):
        request = getattr(factory, method)("/api/v1/t/acme/x/")
        request.user = world.viewer_a
        if access is not None:
            request.tenant_access = access
        return request

    assert mixed.has_permission(req("get", viewer), None)
    assert not mixed.has_permission(req("post", viewer), None)
    assert "admin" in mixed.message
    assert TenantRole(Role.MAINTAINER)().has_permission(req("get", TenantAccess.full(world.tenant_a)), None)
    # No TenantAccess (URL without tenant_slug): never allowed.
    assert not HasTenantAccess().has_permission(req("get", None), None)
