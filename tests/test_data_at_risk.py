"""Repositories about to lose data show on the dashboard banner and in the runs API."""

import datetime

import pytest
from django.utils import timezone

from stats.models import CollectionRun

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")


def collected(repository, days_ago):
    repository.last_success_at = timezone.now() - datetime.timedelta(days=days_ago)
    repository.save()


def test_it_shows_a_banner_for_a_repository_close_to_losing_data(world):
    collected(world.repo_a, days_ago=12)
    html = world.client_for(world.viewer_a).get("/t/acme/").content.decode()
    assert "Traffic data at risk" in html
    assert "acme/rocket" in html and "2 days left" in html


def test_it_shows_no_banner_when_everything_is_fresh(world):
    collected(world.repo_a, days_ago=1)
    html = world.client_for(world.viewer_a).get("/t/acme/").content.decode()
    assert "Traffic data at risk" not in html


def test_it_reports_risk_in_the_runs_api(world):
    collected(world.repo_a, days_ago=1)
    CollectionRun.objects.create(tenant=world.tenant_a, trigger="schedule", status=CollectionRun.Status.FAILED)
    body = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/").json()
    assert body["data_at_risk"] == {"at_risk": True, "last_run_failed": True, "repositories": []}
    collected(world.repo_a, days_ago=13)
    CollectionRun.objects.create(tenant=world.tenant_a, trigger="schedule", status=CollectionRun.Status.SUCCEEDED)
    body = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/").json()
    assert body["data_at_risk"]["last_run_failed"] is False
    assert body["data_at_risk"]["repositories"] == [
        {"full_name": "acme/rocket", "days_left": 1, "reason": "1 day left before GitHub forgets uncollected traffic"}
    ]


def test_it_does_not_leak_other_tenants_risk(world):
    collected(world.repo_a, days_ago=1)
    body = world.client_for(world.owner_a).get("/api/v1/t/acme/runs/").json()
    assert "globex" not in str(body)
