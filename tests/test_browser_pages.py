"""Every page in a real browser at 1440 and 390 px: no horizontal overflow, no console errors, the
partial-bucket marking on week/month charts, the collapsing menu. Screenshots land in
test-artifacts/pages/ (gitignored) for a human look.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repos.models import Repository
from stats.models import CollectionRun
from tenants.models import Membership
from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in
from tests.test_browser_dashboard import seed

pytestmark = BROWSER_MARKS
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


def pages(world) -> dict[str, str]:
    run = CollectionRun.objects.create(tenant=world.tenant_a, trigger="ui", status="succeeded",
                                       finished=timezone.now())
    member = Membership.objects.get(user=world.viewer_a)
    return {
        "dashboard-week": "/t/acme/?period=90d&interval=week",
        "dashboard-12mo": "/t/acme/?period=12mo",
        "traffic-tables-week": "/t/acme/traffic/?period=90d&interval=week",
        "repository-month": "/t/acme/repos/acme/rocket/?period=12mo&interval=month",
        "repository-30d": "/t/acme/repos/acme/rocket/?period=30d",
        "repositories": "/t/acme/repos/",
        "runs": "/t/acme/runs/",
        "run-detail": f"/t/acme/runs/{run.pk}/",
        "settings-general": "/t/acme/settings/",
        "settings-members": "/t/acme/settings/members/",
        "settings-member-repositories": f"/t/acme/settings/members/{member.pk}/repositories/",
        "settings-credential": "/t/acme/settings/credential/",
        "settings-import": "/t/acme/settings/import/",
        "profile": "/accounts/profile/?t=acme",
    }


def wide_elements(page) -> list[str]:
    """The outermost elements sticking out on the right, to say what overflows."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect();
            return r.right > window.innerWidth + 1 && r.width > 0
                && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1);
        }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ends at '
            + Math.round(e.getBoundingClientRect().right))"""
    )


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def chart_marks(page, canvas_id: str) -> dict:
    page.wait_for_selector(f"#{canvas_id}[data-drawn=true]")
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = Chart.getChart(canvas);
            const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
            const points = chart.getDatasetMeta(0).data;
            const hollow = points.map((p, i) => spec.datasets[0].data[i] !== null
                && p.options.backgroundColor === '#ffffff');
            return {complete: spec.complete, notes: spec.notes, hollow: hollow,
                    legend: chart.data.datasets.map(d => d.label), partial: +canvas.dataset.partialBuckets};
        }""",
        canvas_id,
    )


@pytest.mark.parametrize("device", list(WIDTHS))
def test_it_fits_every_page_without_console_errors(world, live_server, page, device):
    seed(world)
    urls = pages(world)
    width, height = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    folder = ARTIFACTS / "pages"
    folder.mkdir(exist_ok=True)
    problems = []
    for name, url in urls.items():
        page.console_errors.clear()
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, (name, response and response.status)
        for canvas in page.locator("canvas[data-chart]").all():
            page.wait_for_selector(f"#{canvas.get_attribute('id')}[data-drawn=true]")
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        if overflow(page) > 0:
            problems.append(f"{name}: {overflow(page)} px wider than the viewport: {wide_elements(page)}")
        if page.console_errors:
            problems.append(f"{name}: console errors {page.console_errors}")
    assert problems == []


def test_it_marks_partial_buckets_on_week_and_month_charts(rocket_only, live_server, page):
    world = rocket_only  # a week is complete when every followed repository has every day: acme/rocket only
    seed(world)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/?period=90d&interval=week")
    marks = chart_marks(page, "main-chart")
    # The running week (and the week cut by the range start) are incomplete, drawn hollow, explained.
    assert marks["complete"][-1] is False and marks["hollow"][-1] is True
    assert "in progress" in marks["notes"][-1] or "of 7 days in the range" in marks["notes"][-1]
    assert marks["partial"] >= 1
    complete_weeks = [i for i, c in enumerate(marks["complete"]) if c]
    assert complete_weeks and not any(marks["hollow"][i] for i in complete_weeks)

    page.goto(f"{live_server.url}/t/acme/repos/acme/rocket/?period=12mo&interval=month")
    month = chart_marks(page, "views-chart")
    assert month["legend"] == ["Views"]  # no monthly uniques: no legend entry without a line
    assert month["complete"][-1] is False and month["hollow"][-1] is True
    # The last month is running, or (on its last day) misses the seeded 2-day gap: either way it says so.
    assert "month in progress" in month["notes"][-1] or "28 of 30 days collected" in month["notes"][-1]


def test_it_keeps_the_interval_and_closes_the_custom_range(world, live_server, page):
    seed(world)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/?period=30d&interval=week")
    page.click("nav[aria-label=Period] >> text=90 days")
    page.wait_for_url("**period=90d**")
    assert "interval=week" in page.url
    page.click(".custom-range summary")
    start = (timezone.now().date() - timedelta(days=20)).strftime("%-d %b %Y")
    page.fill(".range-form input[name=from]", start)
    page.click(".range-form button[type=submit]")
    page.wait_for_url("**period=custom**")
    assert page.locator(".custom-range[open]").count() == 0
    assert "interval=week" in page.url
    assert start in page.inner_text(".custom-range summary")


def test_it_collapses_the_navigation_into_a_menu_on_a_phone(world, live_server, page):
    seed(world)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/")
    runs = page.locator("nav[aria-label=Main] >> text=Runs")
    assert not runs.is_visible()
    page.click(".nav-toggle")
    assert runs.is_visible()
    box = runs.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "pages" / "menu-open-390.png"), full_page=False)


def test_it_guides_an_empty_tenant_and_copies_a_new_token(world, live_server, page):
    Repository.objects.filter(tenant=world.tenant_a).delete()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/")
    steps = page.locator(".checklist li")
    assert steps.count() == 4 and "Connect GitHub" in steps.nth(0).inner_text()
    (ARTIFACTS / "pages").mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pages" / "empty-tenant-1440.png"), full_page=True)
    page.goto(f"{live_server.url}/accounts/profile/?t=acme")
    assert page.locator("nav[aria-label=Main]").count() == 1  # the tenant navigation stays
    page.click("form[action$='/profile/token/'] button[type=submit]")
    page.wait_for_selector("button[data-copy=new-token]:visible")
    page.screenshot(path=str(ARTIFACTS / "pages" / "profile-new-token-1440.png"), full_page=True)
    assert not page.console_errors
