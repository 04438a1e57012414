"""In a browser: a maintainer creates a badge on the repository page, sees it render, copies its
Markdown, revokes it; an admin previews the follow filter. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date

import pytest

from repos.models import InstallationRepository
from stats.collection.rollups import rollups_rebuild
from stats.models import Badge, DailyTraffic, RepositoryMetrics
from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def test_it_creates_shows_and_revokes_a_badge(world, live_server, page):
    DailyTraffic.objects.create(repository=world.repo_a, date=date(2026, 1, 5), views=4321)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=date(2026, 1, 5), stars=88)
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    log_in(page, live_server, "mae")
    page.goto(f"{live_server.url}/t/acme/repos/acme/rocket/")
    page.check("input[name=metrics][value=views-total]")
    page.check("input[name=metrics][value=stars]")
    page.click("#badges button:has-text('Create badge')")
    page.wait_for_load_state("networkidle")
    badge = Badge.objects.get(repository=world.repo_a)
    images = page.locator("#badges img")
    assert images.count() == 3
    for index in range(3):
        assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 40")
    assert f"/badge/{badge.token}/views-total.svg" in page.locator("#badges").inner_text()
    page.locator("#badges .badge-snippet").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "badges-panel.png"), full_page=False)
    assert page.console_errors == []
    page.click("#badges button:has-text('Revoke this badge')")
    page.wait_for_load_state("networkidle")
    assert "Badge revoked" in page.content()
    assert page.locator("#badges img").count() == 0


@pytest.mark.usefixtures("rocket_only")
def test_it_previews_the_follow_filter(world, live_server, page):
    for github_id, name, flags in ((11, "docs-api", {}), (12, "fork-of-x", {"fork": True}), (13, "sandbox-1", {}),
                                   (14, "old-thing", {"archived": True})):
        InstallationRepository.objects.create(tenant=world.tenant_a, github_id=github_id, owner="acme", name=name,
                                              **flags)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/t/acme/repos/follow-filter/")
    page.uncheck("input[name=include_forks]")
    page.fill("textarea[name=patterns]", "!sandbox-*")
    page.click("button[name=preview]")
    page.wait_for_load_state("networkidle")
    table = page.locator("#follow-filter-preview").inner_text()
    assert "excluded by !sandbox-*" in table and "a fork" in table
    assert "2 would be followed" in page.content()
    page.screenshot(path=str(ARTIFACTS / "follow-filter.png"), full_page=True)
    assert page.console_errors == []
