"""Tenant scoping fails loudly (django-scopes): a query on a tenant-owned model needs an active scope.

The autouse fixture in conftest.py disables scopes for test code only; a request through the test
client runs TenantMiddleware, which sets the request's own scope, so the views below are checked as
in production. The throwaway views (this module is also their URLconf) make the mistakes django-scopes
protects against.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from repos.models import Repository
from stats.collection import scheduling, tasks
from stats.models import CollectionRun, DailyTraffic, RunItem, WeeklyTraffic
from tenants.scoping import ScopeError, no_tenant_scope, tenant_scope
from tenants.services import github_credential_set


def unscoped_report(request: HttpRequest) -> HttpResponse:
    """Outside tenant URLs, a tenant-wide sum without any tenant: the classic cross-tenant leak."""
    return JsonResponse({"views": sum(row.views for row in DailyTraffic.objects.all())})


def forgetful_tenant_view(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Under /t/<slug>/ but forgetting `access`: it filters by whatever repository id it is given."""
    repository_id = int(request.GET["repository"])
    return JsonResponse({
        "repositories": [repo.full_name for repo in Repository.objects.all()],
        "views": sum(row.views for row in DailyTraffic.objects.filter(repository_id=repository_id)),
    })


urlpatterns = [
    path("probe/unscoped/", unscoped_report),
    path("t/<slug:tenant_slug>/probe/forgetful/", forgetful_tenant_view),
    path("", include("ghtraffic.urls")),
]


@pytest.fixture
def traffic(world) -> None:
    DailyTraffic.objects.create(repository=world.repo_a, date=date(2026, 1, 5), views=11)
    DailyTraffic.objects.create(repository=world.repo_b, date=date(2026, 1, 5), views=987654)
    # Week rows are read while the CSV streams (GitHub's weekly uniques).
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=date(2026, 1, 5), views=11, unique_views=7)


def test_it_raises_without_a_scope_even_in_test_code() -> None:
    with no_tenant_scope(), pytest.raises(ScopeError):
        list(DailyTraffic.objects.all())


@pytest.mark.parametrize("query", [
    lambda: DailyTraffic.objects.exists(),
    lambda: DailyTraffic.objects.exclude(views=0).exists(),
    lambda: DailyTraffic.objects.select_related("repository").first(),
    lambda: Repository.objects.in_bulk([1]),
    lambda: list(Repository.objects.distinct()),
])
def test_it_closes_the_reads_django_scopes_leaves_open(db, query) -> None:
    with no_tenant_scope(), pytest.raises(ScopeError):
        query()


@pytest.mark.urls("tests.test_scoping")
def test_it_raises_on_a_scoped_query_in_a_view_outside_tenant_urls(world, traffic) -> None:
    # Test code runs with scopes disabled, yet the request gets the middleware's empty scope.
    with pytest.raises(ScopeError, match="tenant"):
        world.client_for(world.owner_a).get("/probe/unscoped/")


@pytest.mark.urls("tests.test_scoping")
def test_it_keeps_a_forgotten_filter_inside_the_url_tenant(world, traffic) -> None:
    response = world.client_for(world.owner_a).get(f"/t/acme/probe/forgetful/?repository={world.repo_b.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["views"] == 0  # tenant B's row exists, but not in tenant A's scope
    assert "globex/secret-plans" not in body["repositories"]
    assert "acme/rocket" in body["repositories"]


def test_it_finds_only_the_scoped_tenants_rows(world, traffic) -> None:
    with tenant_scope(world.tenant_b):
        assert [row.views for row in DailyTraffic.objects.all()] == [987654]
        assert list(Repository.objects.filter(pk=world.repo_a.pk)) == []


def test_it_streams_a_csv_export_inside_the_tenant_scope(world, traffic) -> None:
    url = "/t/acme/traffic/?format=csv&interval=week&from=2026-01-01&to=2026-01-31"
    response = world.client_for(world.owner_a).get(url)
    assert response.streaming
    with no_tenant_scope():  # the body is produced after the view returned, as a WSGI server reads it
        body = b"".join(response.streaming_content).decode()
    assert "acme/rocket,2026-01-05,11,7" in body and "secret-plans" not in body


def test_it_runs_the_commands_under_enforced_scopes(world) -> None:
    github_credential_set(tenant=world.tenant_a, token="ghp_scopingtest0000")
    out = io.StringIO()
    with no_tenant_scope():
        with pytest.raises(SystemExit) as exited:  # never-collected repositories are at risk: exit 1
            call_command("check_collection", stdout=out, stderr=io.StringIO())
        assert exited.value.code == 1
        call_command("webhook_token", "--tenant", "acme", stdout=out)
        call_command("reencrypt_tokens", stdout=out)
        call_command("setup_schedule", stdout=out)
    assert "acme" in out.getvalue()


def test_it_runs_the_tasks_under_enforced_scopes(world, monkeypatch) -> None:
    queued: list[tuple] = []
    monkeypatch.setattr(scheduling, "async_task", lambda func, *args, **kwargs: queued.append(args))
    with no_tenant_scope():
        run_ids = tasks.scheduled_collection()
    assert len(run_ids) == 2  # both tenants have active repositories
    run = CollectionRun.objects.get(tenant=world.tenant_b)
    item_ids = list(RunItem.objects.filter(run=run).values_list("pk", flat=True))
    with no_tenant_scope():
        tasks.collect_items(run.pk, item_ids)  # no token: the items fail, the run is finalized
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED and not run.is_active


def test_it_answers_the_deep_health_check_across_tenants(world, client) -> None:
    assert client.get("/healthz?deep=1").json()["collection"]["tenants_at_risk"] == 2
