"""The Swagger UI at /api/v1/docs/ renders under our CSP: assets from our origin, no inline script."""

from __future__ import annotations

from tests.browser_support import ARTIFACTS, BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def test_it_renders_the_api_docs_with_every_tenant_endpoint(world, live_server, page):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/t/{tenant_slug}/repos/{owner}/{name}/traffic/" in p for p in paths)
    assert any("/api/v1/t/{tenant_slug}/collect/" in p for p in paths)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    csp_errors = [e for e in page.console_errors if "Content Security Policy" in e]
    assert csp_errors == []
    html = page.content()
    assert "cdn.jsdelivr.net" not in html
