"""Real browser (Playwright + Debian's Chromium): "Collect now" and the runs pages' live status, under the
strict CSP (runs.js is a static file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from stats import scheduling
from stats.models import CollectionRun, RunItem
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: apt-get install -y chromium"),
]


@pytest.fixture
def page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        yield page
        connections.close_all()
        context.close()
        browser.close()


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(scheduling, "async_task", lambda func, *args, **kwargs: calls.append((func, *args)))
    return calls


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def finish(run: CollectionRun) -> None:
    """What the worker does at the end of the run."""
    RunItem.objects.filter(run=run).update(status=RunItem.Status.OK, days_stored=15, api_requests=7)
    CollectionRun.objects.filter(pk=run.pk).update(
        status=CollectionRun.Status.SUCCEEDED, finished=timezone.now(), repos_ok=1, days_stored=15, api_requests=7
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
    assert "1 of 1 repositories collected" in page.content()
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
