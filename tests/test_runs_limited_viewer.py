"""A repository-limited viewer sees runs, errors and freshness of their own repositories only."""

from __future__ import annotations

import pytest

from stats.collection.freshness import tenant_collection_risk
from stats.models import CollectionRun, RunItem
from tenants.access import TenantAccess, tenant_access_for


@pytest.fixture
def run(world) -> CollectionRun:
    """Tenant A's last run: the visible repository collected, the hidden one failed."""
    run = CollectionRun.objects.create(
        tenant=world.tenant_a, trigger="schedule", status="partial", repos_total=2, repos_ok=1, repos_failed=1,
        days_stored=20, api_requests=16, not_modified=4, error_summary="acme/hidden-gem: 403 no access",
    )
    RunItem.objects.create(run=run, repository=world.repo_a, status="ok", days_stored=14, api_requests=7,
                           not_modified=3)
    RunItem.objects.create(run=run, repository=world.repo_a_hidden, status="failed", days_stored=6, api_requests=9,
                           not_modified=1, error="403 no access")
    return run


def test_it_counts_only_the_limited_viewers_repositories_in_the_runs_api(world, run) -> None:
    limited = world.client_for(world.limited_viewer).get("/api/v1/t/acme/runs/").json()["runs"][0]
    assert {key: limited[key] for key in ("repos_total", "repos_ok", "repos_failed", "days_stored",
                                          "api_requests", "not_modified", "items_done", "items_total")} == {
        "repos_total": 1, "repos_ok": 1, "repos_failed": 0, "days_stored": 14, "api_requests": 7,
        "not_modified": 3, "items_done": 1, "items_total": 1,
    }
    assert limited["error_summary"] == ""
    full = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/").json()["runs"][0]
    assert (full["repos_total"], full["api_requests"], full["error_summary"]) == (2, 16, run.error_summary)


def test_it_shows_the_limited_viewer_the_errors_of_their_own_repositories(world, run) -> None:
    RunItem.objects.filter(repository=world.repo_a).update(status="failed", error="GitHub answered 500")
    page = world.client_for(world.limited_viewer).get(f"/t/acme/runs/{run.pk}/").content.decode()
    assert "acme/rocket: GitHub answered 500" in page
    assert "hidden-gem" not in page and "403 no access" not in page
    assert "0 of 1 repositories collected, 1 failed" in page
    listed = world.client_for(world.limited_viewer).get("/t/acme/runs/").content.decode()
    assert "0 ok of 1" in listed
    assert 'data-field="api_requests">7 <span class="subtle">(3 unchanged)' in listed  # not the run's 16 (4)


def test_it_reports_a_failed_run_to_a_limited_viewer_only_when_their_repository_failed(world, run) -> None:
    CollectionRun.objects.filter(pk=run.pk).update(status=CollectionRun.Status.FAILED)
    limited = tenant_access_for(user=world.limited_viewer, slug="acme")
    assert limited is not None and limited.is_limited
    assert tenant_collection_risk(access=TenantAccess.full(world.tenant_a)).last_run_failed
    assert not tenant_collection_risk(access=limited).last_run_failed
    RunItem.objects.filter(repository=world.repo_a).update(status="skipped", error="rate limited")
    assert tenant_collection_risk(access=limited).last_run_failed
