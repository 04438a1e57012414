"""With a GitHub App, the App's private key, its JWTs and the installation tokens appear nowhere a
person or a log reader can see: logs (DEBUG included), stored errors, pages, API answers, admin pages
and the exception reports Django would e-mail."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import urllib3.connectionpool
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse
from django.views.debug import ExceptionReporter
from knox.models import AuthToken
from rest_framework.test import APIClient

from repos.clients import github_client_for_tenant
from repos.github_app import installation_tokens
from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, RunItem
from tenants.app_installations import github_app_installation_set

# Tenant A's repositories are the ones each test sets up: acme/hidden-gem leaves the world.
pytestmark = pytest.mark.usefixtures("rocket_only")

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
FAULTS = {"rocket": "unauthorized", "no-admin": "not_accessible", "broken": "error500"}


def _secrets(github_app, fake_github) -> list[str]:
    """Everything secret the run used: installation tokens, App JWTs, the private key's body."""
    found = list(github_app.tokens)
    found += [r.headers["Authorization"].removeprefix("Bearer ") for r in fake_github.requests
              if r.path.startswith("/app/") and "Authorization" in r.headers]
    key_lines = [line for line in github_app.private_key_pem.splitlines() if line and not line.startswith("-----")]
    found += key_lines[1:-1]  # whole base64 lines of the key
    assert github_app.tokens and len(found) > 10
    return found


@pytest.fixture
def failed_run(world, github_app, fake_github, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    fake_github.set_now(NOW)
    names = [*FAULTS, "boom", "fine"]
    for name in names:
        if name != "rocket":
            Repository.objects.create(tenant=world.tenant_a, owner="acme", name=name)
        fake_github.add_repo(f"acme/{name}", github_id=1001 if name == "rocket" else None)
    for name, kind in FAULTS.items():
        fake_github.inject_fault(f"acme/{name}", kind)
    github_app.add_installation(12345, "acme", [f"acme/{name}" for name in names])
    github_app_installation_set(tenant=world.tenant_a, installation_id=12345, account="acme", follow_all=False)
    original = urllib3.connectionpool.HTTPConnectionPool._make_request

    def exploding(self, conn, method, url, *args, **kwargs):
        if "/acme/boom" in url:
            del args, kwargs
            raise RuntimeError("connection pool exploded")
        return original(self, conn, method, url, *args, **kwargs)

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_make_request", exploding)
    run = services.collection_run_start(tenant=world.tenant_a, trigger=CollectionRun.Trigger.COMMAND, now=NOW)
    run = services.collection_run_execute(run=run, concurrency=2, now=NOW)
    assert run.status == CollectionRun.Status.PARTIAL
    assert RunItem.objects.filter(run=run, status=RunItem.Status.FAILED).count() == 4
    return SimpleNamespace(run=run, records=list(caplog.records), log=caplog.text,
                           secrets=_secrets(github_app, fake_github))


def _assert_secret_free(secrets: list[str], label: str, text: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a GitHub App secret shows in {label}"


def test_it_keeps_app_secrets_out_of_logs_stored_errors_and_reports(failed_run, settings):
    assert len(failed_run.records) >= 5
    _assert_secret_free(failed_run.secrets, "the log", failed_run.log)
    run = CollectionRun.objects.get(pk=failed_run.run.pk)
    _assert_secret_free(failed_run.secrets, "the run", run.error_summary)
    for item in RunItem.objects.filter(run=run):
        _assert_secret_free(failed_run.secrets, "a run item", item.error)
    assert "the App lacks Administration: read" in Repository.objects.get(name="no-admin").last_error
    settings.DEBUG = False
    reported = [record for record in failed_run.records if record.exc_info]
    assert reported, "the unexpected error was not logged"
    for record in reported:
        reporter = ExceptionReporter(None, *record.exc_info, is_email=True)
        _assert_secret_free(failed_run.secrets, "an exception report", reporter.get_traceback_text())
        _assert_secret_free(failed_run.secrets, "an HTML exception report", reporter.get_traceback_html())


def test_it_keeps_app_secrets_out_of_pages_api_answers_and_admin(failed_run, world, client):
    browser = world.client_for(world.owner_a)
    for url in ["/t/acme/", "/t/acme/repos/", "/t/acme/runs/", f"/t/acme/runs/{failed_run.run.pk}/",
                "/t/acme/settings/credential/"]:
        response = browser.get(url)
        assert response.status_code == 200, url
        _assert_secret_free(failed_run.secrets, f"page {url}", response.content.decode())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=world.owner_a)[1]}")
    for url in ["/api/v1/t/acme/github-credential/", "/api/v1/t/acme/runs/", "/api/v1/t/acme/repos/"]:
        response = api.get(url)
        assert response.status_code == 200, url
        _assert_secret_free(failed_run.secrets, f"API {url}", response.content.decode())
    root = User.objects.create_superuser("root", "root@example.com", "pw-for-admin-123")
    client.force_login(root)
    for model in admin.site._registry:
        if model._meta.app_label in {"stats", "repos", "tenants"}:
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            response = client.get(reverse(f"{prefix}_changelist"))
            _assert_secret_free(failed_run.secrets, f"admin {prefix}", response.content.decode())


def test_it_keeps_the_private_key_and_jwt_out_of_a_failed_token_exchange_report(world, github_app, settings,
                                                                                 rf, monkeypatch):
    settings.DEBUG = False
    github_app.add_installation(12345, "acme", [])
    github_app_installation_set(tenant=world.tenant_a, installation_id=12345, account="acme", follow_all=False)
    installation_tokens.clear()

    def exploding(self, conn, method, url, *args, **kwargs):
        del args, kwargs
        raise RuntimeError("connection pool exploded")

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_make_request", exploding)
    try:
        github_client_for_tenant(tenant=world.tenant_a)
    except RuntimeError:
        report = ExceptionReporter(rf.get("/t/acme/collect/"), *sys.exc_info())
        assert any(frame["function"] == "urlopen" for frame in report.get_traceback_frames())
        text, html = report.get_traceback_text(), report.get_traceback_html()
        # Read only now: this test's own frame is part of the report too.
        key_lines = [line for line in github_app.private_key_pem.splitlines() if not line.startswith("-----")]
        for line in key_lines[1:-1]:
            assert line not in text and line not in html, "the App's private key shows in the report"
        assert "Bearer ey" not in text and "Bearer ey" not in html, "the App's JWT shows in the report"
    else:
        pytest.fail("the exploding token exchange did not raise")
