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
    assert body["data_at_risk"] == {"at_risk": True, "last_run_failed": True, "over_capacity": "", "repositories": []}
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


def over_capacity_run(world):
    return CollectionRun.objects.create(
        tenant=world.tenant_a, trigger="schedule", status=CollectionRun.Status.SUCCEEDED, plan_mode="over_capacity",
        plan_summary="plan: over_capacity; 98 requests planned …; over capacity by 40 requests, at risk: acme/rocket",
    )


def test_it_is_loud_when_the_budget_cannot_keep_every_repository_lossless(world, client):
    from io import StringIO

    from django.core.management import call_command

    collected(world.repo_a, days_ago=1)
    over_capacity_run(world)
    body = world.client_for(world.owner_a).get("/api/v1/t/acme/runs/").json()
    assert "over capacity by 40 requests" in body["data_at_risk"]["over_capacity"]
    assert "GitHub App" in body["data_at_risk"]["over_capacity"]  # says how to fix it
    html = world.client_for(world.owner_a).get("/t/acme/").content.decode()
    assert "Traffic data at risk" in html and "over capacity by 40 requests" in html
    deep = client.get("/healthz", {"deep": "1"}).json()
    assert deep["collection"]["tenants_over_capacity"] == 1
    out = StringIO()
    try:
        call_command("check_collection", stdout=out)
    except SystemExit as exited:
        assert exited.code == 1
    assert "over capacity" in out.getvalue()


def test_it_tells_a_limited_viewer_about_a_shortfall_without_naming_repositories(world):
    from tenants.models import Membership

    collected(world.repo_a, days_ago=1)
    over_capacity_run(world)
    membership = Membership.objects.get(user=world.viewer_a, tenant=world.tenant_a)
    membership.repository_limited = True
    membership.save()
    membership.limited_to.set([world.repo_a])
    body = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/").json()
    assert body["data_at_risk"]["over_capacity"].startswith("over capacity")
    assert "acme/rocket" not in body["data_at_risk"]["over_capacity"]
