"""Runs page, run page and the "Collect now" button."""

from __future__ import annotations

from django.test import Client

from stats.models import CollectionRun, RunItem


def finished_run(tenant, repos, **fields) -> CollectionRun:
    run = CollectionRun.objects.create(tenant=tenant, trigger="schedule", status="partial", repos_total=len(repos),
                                       repos_ok=len(repos) - 1, repos_failed=1, days_stored=14, api_requests=9,
                                       error_summary="acme/rocket: 403 token lacks push access", **fields)
    for index, repo in enumerate(repos):
        RunItem.objects.create(run=run, repository=repo, status="failed" if index == 0 else "ok",
                               error="403 token lacks push access" if index == 0 else "")
    return run


def test_it_shows_the_button_to_maintainers_and_admins_only(world):
    for user in (world.owner_a, world.maintainer):
        page = world.client_for(user).get("/t/acme/runs/")
        assert page.status_code == 200
        assert b"Collect now" in page.content
        assert b'action="/t/acme/collect/"' in page.content
    page = world.client_for(world.viewer_a).get("/t/acme/runs/")
    assert page.status_code == 200
    assert b"Collect now" not in page.content


def test_it_refuses_collect_now_to_a_viewer(world, queued):
    response = world.client_for(world.viewer_a).post("/t/acme/collect/")
    assert response.status_code == 403
    assert not CollectionRun.objects.exists() and queued == []


def test_it_queues_a_run_for_a_maintainer(world, queued, django_capture_on_commit_callbacks):
    client = world.client_for(world.maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/t/acme/collect/")
    run = CollectionRun.objects.get()
    assert run.tenant == world.tenant_a and run.trigger == CollectionRun.Trigger.UI
    assert response.status_code == 302
    assert response["Location"] == f"/t/acme/runs/{run.pk}/"
    assert [call[1] for call in queued] == [run.pk]
    page = client.get(response["Location"])
    assert b"Collection queued" in page.content
    assert b"In progress: 0 of 2 repositories done"  # acme/rocket and acme/hidden-gem in page.content
    assert b"data-reload-while-active" in page.content


def test_it_says_when_nothing_was_queued(world, queued, django_capture_on_commit_callbacks):
    client = world.client_for(world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/t/acme/collect/")
        response = client.post("/t/acme/collect/", follow=True)
    assert response.redirect_chain[-1][0] == "/t/acme/runs/"
    run = CollectionRun.objects.get()
    assert f"Nothing queued: collection already running for acme (run {run.pk})" in response.content.decode()
    assert len(queued) == 1


def test_it_needs_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner_a)
    assert client.post("/t/acme/collect/").status_code == 403
    assert not CollectionRun.objects.exists()


def test_it_only_accepts_post_for_collect_now(world):
    assert world.client_for(world.owner_a).get("/t/acme/collect/").status_code == 405


def test_it_lists_runs_with_status_counts_and_live_polling(world, queued):
    done = finished_run(world.tenant_a, [world.repo_a])
    active = CollectionRun.objects.create(tenant=world.tenant_a, trigger="webhook", repos_total=1)
    RunItem.objects.create(run=active, repository=world.repo_a)
    finished_run(world.tenant_b, [world.repo_b])
    page = world.client_for(world.viewer_a).get("/t/acme/runs/")
    content = page.content.decode()
    assert f'data-run-id="{done.pk}"' in content and f'data-run-id="{active.pk}"' in content
    assert "Partly failed" in content and "Webhook" in content
    assert "0 of 1 done" in content
    assert 'data-poll-url="/api/v1/t/acme/runs/?limit=2"' in content
    assert "/static/js/runs.js" in content
    assert "globex" not in content.split('<main')[1]


def test_it_shows_a_run_with_its_repositories(world):
    run = finished_run(world.tenant_a, [world.repo_a])
    page = world.client_for(world.owner_a).get(f"/t/acme/runs/{run.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "acme/rocket" in content
    assert "403 token lacks push access" in content
    assert "data-reload-while-active" not in content


def test_it_hides_other_tenants_runs(world):
    other = finished_run(world.tenant_b, [world.repo_b])
    assert world.client_for(world.owner_a).get(f"/t/acme/runs/{other.pk}/").status_code == 404
    assert world.client_for(world.owner_a).get(f"/t/globex/runs/{other.pk}/").status_code == 404


def test_it_shows_a_limited_viewer_only_their_repositories(world):
    run = finished_run(world.tenant_a, [world.repo_a_hidden, world.repo_a])
    run.error_summary = "acme/hidden-gem: 403"
    run.save()
    content = world.client_for(world.limited_viewer).get(f"/t/acme/runs/{run.pk}/").content.decode()
    assert "acme/rocket" in content
    assert "hidden-gem" not in content
