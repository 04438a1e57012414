"""`/api/v1/` answers an index of the endpoints instead of a 404."""

from django.test import Client


def test_it_lists_the_endpoints_and_links_the_schema_and_docs(db):
    response = Client().get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "http://testserver/api/v1/schema/" and body["docs"] == "http://testserver/api/v1/docs/"
    endpoints = body["endpoints"]
    assert endpoints["api-tenant-traffic"] == "http://testserver/api/v1/t/{tenant_slug}/traffic/"
    assert endpoints["api-repo-traffic"] == "http://testserver/api/v1/t/{tenant_slug}/repos/{owner}/{name}/traffic/"
    assert endpoints["api-tenants"] == "http://testserver/api/v1/tenants/" and "api-root" not in endpoints
    # Every listed endpoint really resolves (no stale hand-written list).
    from django.urls import resolve

    for url in endpoints.values():
        resolve(url.removeprefix("http://testserver").replace("{tenant_slug}", "acme").replace("{owner}", "o")
                .replace("{name}", "n").replace("{run_id}", "1").replace("{badge_id}", "1"))
