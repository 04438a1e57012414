"""Real browser checks (Playwright driving Debian's Chromium) of the dashboard and repository pages.

Screenshots land in test-artifacts/ (gitignored) for a human look.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def seed(world) -> None:
    """90 days of traffic for two repositories (a 2-day gap), snapshots and stars."""
    today = timezone.now().date()
    other = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="zeppelin")
    rows = []
    for offset in range(90):
        day = today - timedelta(days=offset)
        if offset in (5, 6):
            continue
        views = 40 + (offset * 7) % 23 + (30 if offset < 7 else 0)
        rows.append(DailyTraffic(repository=world.repo_a, date=day, views=views, unique_views=views // 4,
                                 clones=views // 6, unique_clones=views // 12))
        rows.append(DailyTraffic(repository=other, date=day, views=views // 3, unique_views=views // 9,
                                 clones=2, unique_clones=1))
    DailyTraffic.objects.bulk_create(rows)
    rollups_rebuild(tenant_ids=[world.repo_a.tenant_id])  # rows written outside the collection
    monday = today - timedelta(days=today.weekday())
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday, views=100, unique_views=30,
                                 clones=10, unique_clones=4)
    for index, (referrer, count) in enumerate([("news.ycombinator.com", 420), ("github.com", 210),
                                               ("google.com", 120), ("reddit.com", 45)]):
        ReferrerSnapshot.objects.create(repository=world.repo_a, date=today, referrer=referrer, count=count,
                                        uniques=count // 3 - index)
    PathSnapshot.objects.create(repository=world.repo_a, date=today, path="/acme/rocket", title="acme/rocket",
                                count=300, uniques=120)
    PathSnapshot.objects.create(repository=world.repo_a, date=today, path="/acme/rocket/wiki/Install",
                                title="Install · acme/rocket Wiki", count=90, uniques=40)
    for offset in range(0, 90, 3):
        RepositoryMetrics.objects.create(repository=world.repo_a, date=today - timedelta(days=offset),
                                         stars=500 - offset, forks=80 - offset // 10, watchers=20)
    world.repo_a.last_collected_at = timezone.now() - timedelta(hours=3)
    world.repo_a.last_success_at = timezone.now() - timedelta(hours=3)
    world.repo_a.save()


def chart_data(page, canvas_id: str) -> dict:
    page.wait_for_selector(f"#{canvas_id}[data-drawn=true]")
    return page.evaluate(
        """(id) => {
            const chart = Chart.getChart(document.getElementById(id));
            const ctx = chart.canvas.getContext('2d');
            const {width, height} = chart.canvas;
            const pixels = ctx.getImageData(0, 0, width, height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return {labels: chart.data.labels.length, data: chart.data.datasets[0].data, painted: painted};
        }""",
        canvas_id,
    )


def test_it_logs_in_and_draws_the_dashboard_chart_and_switches_period(world, live_server, page):
    seed(world)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/?period=30d")
    drawn = chart_data(page, "main-chart")
    assert drawn["labels"] == 30
    assert sum(1 for value in drawn["data"] if value) >= 27 and None in drawn["data"]  # the gap stays a gap
    assert drawn["painted"] > 1000
    views_30 = page.inner_text("[data-metric=views] .metric-value")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.click("nav[aria-label=Period] >> text=7 days")
    page.wait_for_url("**period=7d**")
    assert chart_data(page, "main-chart")["labels"] == 7
    views_7 = page.inner_text("[data-metric=views] .metric-value")
    assert views_7 != views_30

    # The repository table filters as one types (static JS, no inline script).
    page.fill("input[data-table-filter=repo-table]", "zepp")
    assert page.locator("#repo-table tbody tr:visible").count() == 1
    page.click("nav[aria-label=Main] >> text=Traffic tables")
    page.wait_for_selector("#traffic-table")
    assert page.locator("#traffic-table tbody tr").count() == 50  # paginated on the server
    assert "Page 1 of" in page.inner_text(".pagination")
    page.screenshot(path=str(ARTIFACTS / "traffic-tables.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/t/acme/?period=90d")
    chart_data(page, "main-chart")
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Uncaught" in e]


def test_it_shows_referrers_and_charts_on_the_repository_page(world, live_server, page):
    seed(world)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/repos/acme/rocket/?period=90d")
    assert chart_data(page, "views-chart")["labels"] == 90
    chart_data(page, "stars-chart")
    chart_data(page, "referrer-chart")
    referrers = page.inner_text("#referrers-title ~ table, section[aria-labelledby=referrers-title]")
    assert "news.ycombinator.com" in referrers and "420" in referrers
    page.screenshot(path=str(ARTIFACTS / "repository.png"), full_page=True)
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Uncaught" in e]


def test_it_adds_a_repository_from_the_settings_page(world, live_server, page):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/t/acme/repos/")
    page.fill("input[name=full_name]", "https://github.com/octo-org/new-thing")
    page.click("form[action$='/repos/add/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Now following octo-org/new-thing" in page.inner_text(".messages")
    assert page.locator("#repo-settings-table a:text-is('octo-org/new-thing')").count() == 1
    assert Repository.objects.filter(tenant=world.tenant_a, owner="octo-org", name="new-thing").exists()
    page.fill("input[name=full_name]", "not a repo")
    page.click("form[action$='/repos/add/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "is not a GitHub repository name" in page.inner_text(".messages")
    page.screenshot(path=str(ARTIFACTS / "repositories.png"), full_page=True)
    # Followed but never collected: the dashboard says what happens next instead of drawing zeros.
    page.goto(f"{live_server.url}/t/acme/")
    assert "No traffic stored for this period yet" in page.inner_text("main")
    assert "No GitHub credential is configured" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "dashboard-empty.png"), full_page=True)
