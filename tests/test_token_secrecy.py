"""After a failing run with a known GitHub token (401, 403, 500, an unexpected error), the token
appears nowhere a person or a log reader can see: logs (DEBUG included), run/item/repository errors,
command output, admin pages, UI pages, API responses, and the exception reports Django would e-mail
for errors logged during collection."""

import io
import logging
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import urllib3.connectionpool
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.views.debug import ExceptionReporter
from knox.models import AuthToken

from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, RunItem
from tenants.models import GitHubCredential
from tenants.services import github_credential_set

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TOKEN = "ghp_S3cretTokenNeverShownAnywhere9876"
# The last four characters are shown on purpose ("ends with …9876"); everything before them never is.
TOKEN_PARTS = [TOKEN, TOKEN[:-4], TOKEN[4:-4]]
FAULTS = {"rocket": "unauthorized", "no-push": "no_push_access", "broken": "error500"}


@pytest.fixture
def failed_run(world, fake_github, settings, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    fake_github.set_now(NOW)
    for name in [*FAULTS, "boom", "fine"]:
        if name != "rocket":
            Repository.objects.create(tenant=world.tenant_a, owner="acme", name=name)
        fake_github.add_repo(f"acme/{name}", github_id=1001 if name == "rocket" else None)
    for name, kind in FAULTS.items():
        fake_github.inject_fault(f"acme/{name}", kind)

    # An unexpected error deep in the HTTP stack, below the code that builds the Authorization header.
    original = urllib3.connectionpool.HTTPConnectionPool._make_request

    def exploding(self, conn, method, url, *args, **kwargs):
        if "/acme/boom" in url:
            del args, kwargs  # this test double's own frame must not be what holds the headers
            raise RuntimeError("connection pool exploded")
        return original(self, conn, method, url, *args, **kwargs)

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_make_request", exploding)
    run = services.collection_run_start(tenant=world.tenant_a, trigger=CollectionRun.Trigger.COMMAND, now=NOW)
    run = services.collection_run_execute(run=run, concurrency=2, now=NOW)
    assert run.status == CollectionRun.Status.PARTIAL
    assert RunItem.objects.filter(run=run, status=RunItem.Status.FAILED).count() == 4
    # The token really was sent: GitHub saw it on every request.
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in fake_github.requests)
    # Fixture-time log records belong to pytest's "setup" phase: hand them to the tests.
    return SimpleNamespace(run=run, records=list(caplog.records), log=caplog.text)


def _assert_secret_free(label: str, text: str) -> None:
    for part in TOKEN_PARTS:
        assert part not in text, f"the GitHub token shows in {label}"
    ciphertext = GitHubCredential.objects.get(tenant__slug="acme").token_encrypted
    assert ciphertext not in text, f"the encrypted token shows in {label}"


def test_it_keeps_the_token_out_of_logs_and_stored_errors(failed_run):
    assert len(failed_run.records) >= 5, "little was logged: the check would be vacuous"
    _assert_secret_free("the log", failed_run.log)
    for record in failed_run.records:
        _assert_secret_free(f"log record {record.name}", record.getMessage() + repr(record.args))
    run = CollectionRun.objects.get(pk=failed_run.run.pk)
    _assert_secret_free("the run's error summary", run.error_summary)
    for item in RunItem.objects.filter(run=run):
        _assert_secret_free("a run item's error", item.error)
    for repo in Repository.objects.all():
        _assert_secret_free("a repository's last error", repo.last_error)
    assert "token invalid or expired" in Repository.objects.get(name="rocket").last_error


def test_it_keeps_the_token_out_of_exception_reports(failed_run, settings):
    # What AdminEmailHandler would send for every error logged with a traceback during collection.
    settings.DEBUG = False
    reported = [record for record in failed_run.records if record.exc_info]
    assert any("boom" in record.getMessage() for record in reported), "the unexpected error was not logged"
    for record in reported:
        reporter = ExceptionReporter(None, *record.exc_info, is_email=True)
        _assert_secret_free(f"the exception report of {record.getMessage()!r}", reporter.get_traceback_text())
        _assert_secret_free(f"the HTML exception report of {record.getMessage()!r}", reporter.get_traceback_html())


def test_it_keeps_the_token_out_of_the_500_report_of_a_failing_request(world, fake_github, settings, rf, monkeypatch):
    # An exception escaping the GitHub client into a request (DEBUG off: the report mailed to ADMINS).
    settings.DEBUG = False
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    client = services.github_client_for_tenant(tenant=world.tenant_a)

    def exploding(self, conn, method, url, *args, **kwargs):
        del args, kwargs  # this test double's own frame must not be what holds the headers
        raise RuntimeError("connection pool exploded")

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_make_request", exploding)
    try:
        client.get("/repos/acme/rocket")
    except RuntimeError:
        report = ExceptionReporter(rf.get("/t/acme/collect/"), *sys.exc_info())
        frames = report.get_traceback_frames()
        assert any(frame["function"] == "urlopen" for frame in frames), "the report must reach urllib3's frames"
        _assert_secret_free("the 500 report text", report.get_traceback_text())
        _assert_secret_free("the 500 report HTML", report.get_traceback_html())
    else:
        pytest.fail("the broken client did not raise")


def test_it_keeps_the_token_out_of_the_command_output(world, fake_github, settings):
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    fake_github.add_repo("acme/rocket", github_id=1001)
    fake_github.inject_fault("acme/rocket", "unauthorized")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("collect_traffic", "--tenant", "acme", stdout=out, stderr=err)
    assert "token invalid or expired" in out.getvalue()
    _assert_secret_free("collect_traffic's output", out.getvalue() + err.getvalue())


def test_it_keeps_the_token_out_of_admin_pages(failed_run, client):
    root = User.objects.create_superuser("root", "root@example.com", "pw-for-admin-123")
    client.force_login(root)
    pages = 0
    for model in admin.site._registry:
        if model._meta.app_label not in {"stats", "repos", "tenants"}:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{prefix}_changelist")]
        urls += [reverse(f"{prefix}_change", args=[pk]) for pk in model.objects.values_list("pk", flat=True)[:20]]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            _assert_secret_free(f"admin page {url}", response.content.decode())
            pages += 1
    assert pages >= 15


def test_it_keeps_the_token_out_of_pages_and_api_responses(failed_run, world):
    run = failed_run.run
    browser = world.client_for(world.owner_a)
    for url in [
        "/t/acme/", "/t/acme/repos/", "/t/acme/repos/acme/rocket/", "/t/acme/repos/acme/boom/",
        "/t/acme/runs/", f"/t/acme/runs/{run.pk}/", "/t/acme/settings/", "/t/acme/settings/credential/",
    ]:
        response = browser.get(url)
        assert response.status_code == 200, url
        _assert_secret_free(f"page {url}", response.content.decode())
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=world.owner_a)[1]}")
    for url in [
        "/api/v1/tenants/", "/api/v1/t/acme/repos/", "/api/v1/t/acme/runs/", "/api/v1/t/acme/github-credential/",
        "/api/v1/t/acme/members/",
    ]:
        response = api.get(url)
        assert response.status_code == 200, url
        _assert_secret_free(f"API {url}", response.content.decode())
    runs = api.get("/api/v1/t/acme/runs/").content.decode()
    assert "token invalid or expired" in runs  # the failure itself is reported, just not the token
