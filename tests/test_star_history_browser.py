"""The repository page's star history and CI-clone panels in a real browser: both charts draw, no console
error, nothing overflows; the screenshot lands in test-artifacts/ for a human look."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from repos.ci_estimate import repository_ci_estimate_set
from stats.models import StargazerDay, WorkflowRunDay
from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in
from tests.test_browser_dashboard import seed

pytestmark = BROWSER_MARKS


def test_it_draws_the_star_history_and_the_estimated_human_clones(world, live_server, page):
    seed(world)  # 90 days of traffic, stars collected every third day
    today = timezone.now().date()
    StargazerDay.objects.bulk_create([
        StargazerDay(repository=world.repo_a, date=today - timedelta(days=700 - 7 * n), stars=3) for n in range(95)
    ])
    world.repo_a.stargazers_backfilled_on = world.repo_a.stargazers_fetched_on = today
    world.repo_a.save()
    repository_ci_estimate_set(repository=world.repo_a, enabled=True, checkouts_per_run=Decimal(1))
    WorkflowRunDay.objects.bulk_create([
        WorkflowRunDay(repository=world.repo_a, date=today - timedelta(days=n), workflow_runs=n % 5)
        for n in range(1, 40)
    ])
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/repos/acme/rocket/?period=30d")
    page.wait_for_selector("#star-history-chart[data-drawn=true]")
    page.wait_for_selector("#ci-clones-chart[data-drawn=true]")
    legend = page.evaluate("() => Chart.getChart(document.getElementById('ci-clones-chart')).data.datasets"
                           ".map(d => d.label)")
    assert legend == ["Clones (GitHub, all)", "Clones (estimated human)"]
    first = page.evaluate("() => JSON.parse(document.getElementById('star-history-chart-data').textContent)"
                          ".labels[0]")
    assert first == (today - timedelta(days=700)).isoformat()  # from the first star, not the period
    assert page.locator(".ci-estimate-form").count() == 1  # alice (admin) may switch it
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.locator("#star-history").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "repository-star-history.png"), full_page=True)
    assert page.console_errors == []
