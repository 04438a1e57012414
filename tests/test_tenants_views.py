"""Tenant settings pages: invite, change roles, remove (never the last admin), limit a viewer to
repositories, write-only GitHub credential, rename."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from repos.models import Repository
from tenants.crypto import decrypt_secret
from tenants.models import GitHubCredential, Invitation, Membership, Role
from tenants.services import TenantRuleError, invitations_accept, membership_limit_set, membership_role_change


def _membership(world, user) -> Membership:
    return Membership.objects.get(tenant=world.tenant_a, user=user)


def test_it_invites_an_unknown_email_as_a_pending_invitation(world) -> None:
    client = world.client_for(world.owner_a)
    response = client.post("/t/acme/settings/members/", {"email": "New@Acme.test", "role": "maintainer"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(tenant=world.tenant_a)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("New@Acme.test", "maintainer", world.owner_a)
    assert "New@Acme.test" in client.get("/t/acme/settings/members/").content.decode()
    # Inviting again updates the role rather than failing on the unique constraint.
    client.post("/t/acme/settings/members/", {"email": "new@acme.test", "role": "admin"})
    assert Invitation.objects.get(tenant=world.tenant_a).role == "admin"


def test_it_invites_a_known_user_without_adding_them(world) -> None:
    """Consent: an existing account is invited like anyone else and joins only by accepting."""
    client = world.client_for(world.owner_a)
    response = client.post("/t/acme/settings/members/", {"email": "BOB@globex.test", "role": "viewer"})
    assert response.status_code == 302
    assert not Membership.objects.filter(tenant=world.tenant_a, user=world.owner_b).exists()
    assert Invitation.objects.get(tenant=world.tenant_a).email == "BOB@globex.test"
    # A member already: refused (members are listed to admins anyway).
    response = client.post("/t/acme/settings/members/", {"email": "victor@acme.test", "role": "viewer"})
    assert response.status_code == 400 and "already a member" in response.content.decode()


def test_it_rejects_an_invalid_invitation(world) -> None:
    response = world.client_for(world.owner_a).post("/t/acme/settings/members/", {"email": "nope", "role": "god"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_it_turns_invitations_into_memberships_once(world) -> None:
    Invitation.objects.create(tenant=world.tenant_a, email="Dora@Example.test", role=Role.MAINTAINER)
    Invitation.objects.create(tenant=world.tenant_b, email="dora@example.test", role=Role.VIEWER)
    dora = User.objects.create_user("dora", "dora@example.test")
    created = invitations_accept(user=dora, email="DORA@example.test")
    assert {(m.tenant.slug, m.role) for m in created} == {("acme", "maintainer"), ("globex", "viewer")}
    assert invitations_accept(user=dora, email="dora@example.test") == []


def test_it_changes_roles_and_revokes_invitations(world) -> None:
    client = world.client_for(world.owner_a)
    viewer = _membership(world, world.viewer_a)
    client.post(f"/t/acme/settings/members/{viewer.pk}/role/", {"role": "maintainer"})
    viewer.refresh_from_db()
    assert viewer.role == Role.MAINTAINER
    invitation = Invitation.objects.create(tenant=world.tenant_a, email="x@acme.test")
    client.post(f"/t/acme/settings/invitations/{invitation.pk}/revoke/")
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_it_never_demotes_or_removes_the_last_admin(world) -> None:
    client = world.client_for(world.owner_a)
    admin = _membership(world, world.owner_a)
    response = client.post(f"/t/acme/settings/members/{admin.pk}/role/", {"role": "viewer"}, follow=True)
    assert "at least one admin" in response.content.decode()
    response = client.post(f"/t/acme/settings/members/{admin.pk}/remove/", follow=True)
    assert "last admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    # With a second admin, the first may step down.
    membership_role_change(membership=_membership(world, world.viewer_a), role=Role.ADMIN)
    client.post(f"/t/acme/settings/members/{admin.pk}/remove/")
    assert not Membership.objects.filter(pk=admin.pk).exists()


def test_it_limits_a_viewer_to_chosen_repositories(world) -> None:
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="other")
    viewer = _membership(world, world.viewer_a)
    client = world.client_for(world.owner_a)
    page = client.get(f"/t/acme/settings/members/{viewer.pk}/repositories/").content.decode()
    assert "acme/rocket" in page and "acme/other" in page and "secret-plans" not in page
    client.post(f"/t/acme/settings/members/{viewer.pk}/repositories/", {"repositories": [other.pk]})
    assert list(viewer.limited_to.all()) == [other]
    # Another tenant's repository is not a valid choice.
    response = client.post(f"/t/acme/settings/members/{viewer.pk}/repositories/", {"repositories": [world.repo_b.pk]})
    assert response.status_code == 200 and list(viewer.limited_to.all()) == [other]
    with pytest.raises(TenantRuleError):
        membership_limit_set(membership=viewer, repositories=[world.repo_b])
    # Promotion lifts the limit: limits apply to viewers only.
    membership_role_change(membership=viewer, role=Role.MAINTAINER)
    assert not viewer.limited_to.exists()


def test_it_stores_the_credential_write_only(world) -> None:
    client = world.client_for(world.owner_a)
    assert "not configured" in client.get("/t/acme/settings/credential/").content.decode()
    client.post("/t/acme/settings/credential/", {"token": "ghp_supersecretvalueabcd"})
    credential = GitHubCredential.objects.get(tenant=world.tenant_a)
    assert decrypt_secret(credential.token_encrypted) == "ghp_supersecretvalueabcd"
    page = client.get("/t/acme/settings/credential/").content.decode()
    assert "configured, ends with …abcd" in page
    assert "ghp_supersecret" not in page
    client.post("/t/acme/settings/credential/", {"token": "ghp_replacedtokenwxyz"})
    assert "ends with …wxyz" in client.get("/t/acme/settings/credential/").content.decode()


def test_it_renames_the_tenant(world) -> None:
    client = world.client_for(world.owner_a)
    client.post("/t/acme/settings/", {"name": "Acme Rockets"})
    world.tenant_a.refresh_from_db()
    assert (world.tenant_a.name, world.tenant_a.slug) == ("Acme Rockets", "acme")
    assert client.post("/t/acme/settings/", {"name": ""}).status_code == 200
    world.tenant_a.refresh_from_db()
    assert world.tenant_a.name == "Acme Rockets"


def test_it_keeps_a_limited_viewer_limited_when_their_repositories_are_removed(world) -> None:
    from tenants.access import tenant_access_for

    viewer = _membership(world, world.viewer_a)
    membership_limit_set(membership=viewer, repositories=[world.repo_a])
    Repository.objects.create(tenant=world.tenant_a, owner="acme", name="other")
    world.repo_a.delete()
    access = tenant_access_for(user=world.viewer_a, slug="acme")
    assert access.is_limited and not access.repositories().exists()
    # Clearing the choice on purpose gives back every repository.
    membership_limit_set(membership=Membership.objects.get(pk=viewer.pk), repositories=[])
    assert not tenant_access_for(user=world.viewer_a, slug="acme").is_limited
