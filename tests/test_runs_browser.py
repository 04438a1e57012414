"""Real browser (Playwright + Debian's Chromium): "Collect now" and the runs pages' live status, under the
strict CSP (runs.js is a static file)."""

from __future__ import annotations

from django.utils import timezone

from stats.models import CollectionRun, RunItem
from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def finish(run: CollectionRun) -> None:
    """What the worker does at the end of the run."""
    RunItem.objects.filter(run=run).update(status=RunItem.Status.OK, days_stored=15, api_requests=7)
    CollectionRun.objects.filter(pk=run.pk).update(
        status=CollectionRun.Status.SUCCEEDED, finished=timezone.now(), repos_ok=2, days_stored=15, api_requests=7
    )


def test_it_queues_a_run_from_the_button_and_follows_it_to_the_end(world, live_server, page, queued):
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/t/acme/runs/")
    assert "No collection has run yet" in page.content()
    page.click("button:has-text('Collect now')")
    page.wait_for_url(f"{live_server.url}/t/acme/runs/*/")
    run = CollectionRun.objects.get()
    assert page.url.endswith(f"/t/acme/runs/{run.pk}/")
    assert "Collection queued" in page.content()
    assert page.locator("#run-status").inner_text() == "Queued"
    assert [call[1] for call in queued] == [run.pk]
    finish(run)
    # runs.js polls the API and reloads the page once the run is over.
    page.locator("#run-status", has_text="Succeeded").wait_for(timeout=15_000)
    assert "2 of 2 repositories collected" in page.content()  # acme/rocket and acme/hidden-gem
    page.screenshot(path=ARTIFACTS / "run-detail.png", full_page=True)
    assert page.console_errors == []


def test_it_updates_the_runs_list_while_a_run_is_active(world, live_server, page):
    run = CollectionRun.objects.create(tenant=world.tenant_a, trigger="webhook", repos_total=1)
    RunItem.objects.create(run=run, repository=world.repo_a)
    log_in(page, live_server, "victor")  # a viewer: sees runs, not the button
    page.goto(f"{live_server.url}/t/acme/runs/")
    assert page.locator("button:has-text('Collect now')").count() == 0
    row = page.locator(f'tr[data-run-id="{run.pk}"]')
    assert row.locator('[data-field="status_label"]').inner_text() == "Queued"
    finish(run)
    row.locator('[data-field="status_label"]', has_text="Succeeded").wait_for(timeout=15_000)
    assert row.locator('[data-field="days_stored"]').inner_text() == "15"
    page.locator("#runs-live", has_text="All runs have finished.").wait_for(timeout=5_000)
    page.screenshot(path=ARTIFACTS / "runs.png", full_page=True)
    assert page.console_errors == []
