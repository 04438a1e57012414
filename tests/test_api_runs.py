"""Runs API: POST collect/ (maintainers), GET runs/ and runs/<id>/."""

from __future__ import annotations

import pytest

from stats.models import CollectionRun, RunItem


def test_it_queues_a_run_for_a_maintainer(world, queued, django_capture_on_commit_callbacks):
    client = world.client_for(world.maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/t/acme/collect/")
    assert response.status_code == 202
    run = CollectionRun.objects.get()
    assert response.json()["queued"] == [run.pk]
    assert run.trigger == CollectionRun.Trigger.API
    assert [call[1] for call in queued] == [run.pk]


def test_it_answers_202_with_nothing_queued_on_a_repeat(world, queued, django_capture_on_commit_callbacks):
    client = world.client_for(world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/t/acme/collect/").json()
        again = client.post("/api/v1/t/acme/collect/")
    assert again.status_code == 202
    assert again.json()["queued"] == []
    assert str(first["queued"][0]) in again.json()["message"]


def test_it_refuses_collect_to_a_viewer(world, queued):
    response = world.client_for(world.viewer_a).post("/api/v1/t/acme/collect/")
    assert response.status_code == 403
    assert "maintainer" in response.json()["error"]
    assert not CollectionRun.objects.exists()


def test_it_refuses_collect_to_a_non_member_and_anonymous(world, client):
    assert world.client_for(world.owner_b).post("/api/v1/t/acme/collect/").status_code == 404
    assert client.post("/api/v1/t/acme/collect/").status_code == 401
    assert not CollectionRun.objects.exists()


def test_it_lists_recent_runs_with_counts_and_errors(world):
    old = CollectionRun.objects.create(tenant=world.tenant_a, trigger="schedule", status="partial", repos_total=2,
                                       repos_ok=1, repos_failed=1, days_stored=14, api_requests=11, not_modified=3,
                                       error_summary="acme/x: 404")
    active = CollectionRun.objects.create(tenant=world.tenant_a, trigger="ui", repos_total=1)
    RunItem.objects.create(run=active, repository=world.repo_a, status="ok")
    CollectionRun.objects.create(tenant=world.tenant_b, trigger="ui")
    response = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/")
    assert response.status_code == 200
    runs = response.json()["runs"]
    assert [run["id"] for run in runs] == [active.pk, old.pk]
    assert runs[0]["active"] is True and runs[0]["items_done"] == 1 and runs[0]["items_total"] == 1
    assert {key: runs[1][key] for key in ("status", "repos_total", "repos_ok", "repos_failed", "days_stored",
                                         "api_requests", "not_modified", "error_summary")} == {
        "status": "partial", "repos_total": 2, "repos_ok": 1, "repos_failed": 1, "days_stored": 14,
        "api_requests": 11, "not_modified": 3, "error_summary": "acme/x: 404"}
    limited = world.client_for(world.viewer_a).get("/api/v1/t/acme/runs/?limit=1").json()["runs"]
    assert [run["id"] for run in limited] == [active.pk]


@pytest.mark.parametrize("limit", ["abc", "0", "101"])
def test_it_answers_400_for_a_bad_limit(world, limit):
    response = world.client_for(world.owner_a).get(f"/api/v1/t/acme/runs/?limit={limit}")
    assert response.status_code == 400
    assert response.json()["error"].startswith("limit:")


def test_it_documents_the_endpoints_in_the_schema(world):
    schema = world.client_for(world.owner_a).get("/api/v1/schema/?format=json").json()
    assert schema["paths"]["/api/v1/t/{tenant_slug}/collect/"]["post"]["operationId"] == "collect_now"
    assert "202" in schema["paths"]["/api/v1/t/{tenant_slug}/collect/"]["post"]["responses"]
    assert schema["paths"]["/api/v1/t/{tenant_slug}/runs/"]["get"]["operationId"] == "runs_list"
