"""Release downloads in a real browser: the repository page's chart draws, the table and the dashboard
card fit a desktop and a phone without console errors. Screenshots land in test-artifacts/releases/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in
from tests.releases_support import asset_with_counts
from tests.test_browser_pages import overflow, wide_elements

pytestmark = BROWSER_MARKS
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
RANGE = "from=2026-10-01&to=2026-10-31"


@pytest.mark.parametrize("device", list(WIDTHS))
def test_it_draws_release_downloads_on_a_desktop_and_a_phone(world, live_server, page, device):
    today = date(2026, 10, 21)
    start = today - timedelta(days=20)
    counts = [100 + 9 * n + (n % 3) * 2 for n in range(21)]
    asset_with_counts(world.repo_a, "v1.4.0", "rocket-linux-x86_64-with-a-very-long-file-name.tar.gz", start,
                      counts, asset_id=1, release_id=1)
    asset_with_counts(world.repo_a, "v1.4.0", "rocket-macos.zip", start, counts[:12], asset_id=2, release_id=1,
                      deleted_on=start + timedelta(days=12))
    asset_with_counts(world.repo_a, "v1.5.0-rc.1", "rocket.tar.gz", today - timedelta(days=6),
                      [3, 9, 20, None, 41, 50, 62], asset_id=3, release_id=2, prerelease=True)
    width, height = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    folder = ARTIFACTS / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, url in (("repository", f"/t/acme/repos/acme/rocket/?{RANGE}"), ("dashboard", f"/t/acme/?{RANGE}")):
        page.console_errors.clear()
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200
        if name == "repository":
            page.wait_for_selector("#releases-chart[data-drawn=true]")
            assert page.locator("#releases-table tbody tr").count() == 2 + 3  # 2 releases, 3 assets
        else:
            assert page.locator("[data-metric=release_downloads] .metric-value").inner_text() != "—"
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        if overflow(page) > 0:
            problems.append(f"{name}: {overflow(page)} px wider than the viewport: {wide_elements(page)}")
        if page.console_errors:
            problems.append(f"{name}: console errors {page.console_errors}")
    assert problems == []
