"""Every admin page opens for a superuser: changelists, add forms and change forms."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse

from stats.models import CollectionRun, DailyTraffic, RunItem
from tenants.services import github_credential_set


@pytest.fixture
def admin_client_with_data(world, client):
    github_credential_set(tenant=world.tenant_a, token="ghp_admin_test_token_9876")
    run = CollectionRun.objects.create(tenant=world.tenant_a, trigger=CollectionRun.Trigger.COMMAND)
    RunItem.objects.create(run=run, repository=world.repo_a)
    DailyTraffic.objects.create(repository=world.repo_a, date="2026-11-01", views=1)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-for-admin-123"))
    return client


def test_it_opens_every_admin_page(admin_client_with_data):
    client = admin_client_with_data
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="root")
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist")).status_code == 200, info
        opened += 1
        if model_admin.has_add_permission(request):
            assert client.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])).status_code == 200, info
    assert opened >= 12


def test_it_shows_runs_read_only(admin_client_with_data):
    run = CollectionRun.objects.get()
    response = admin_client_with_data.post(
        reverse("admin:stats_collectionrun_change", args=[run.pk]), {"status": "failed"}
    )
    assert response.status_code == 403
    assert CollectionRun.objects.get().status == CollectionRun.Status.QUEUED


def test_it_names_admin_sections_as_people_write_them(admin_client_with_data):
    index = admin_client_with_data.get("/admin/").content.decode()
    assert "GitHub credentials" in index and "Endpoint ETags" in index
    assert "Git hub" not in index and "e tags" not in index
