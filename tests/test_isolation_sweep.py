"""Isolation sweep: every URL pattern of the project, filled with tenant B's objects, requested by a
member of tenant A only. Tenant URLs must answer 404 (anonymous: login redirect / 401); no answer may
contain tenant B's data. New URLs are picked up automatically; a URL argument the sweep cannot fill
fails the test so the table below gets extended (rather than the URL silently skipped)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from repos.models import InstallationRepository
from stats.collection.rollups import rollups_rebuild
from stats.models import Badge, CollectionRun, DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, RunItem
from tenants.models import GitHubAppInstallation, GitHubCredential, Invitation, Membership, Tenant
from tenants.services import github_credential_set

# Strings that only tenant B's data contains (none of them appears in a URL the sweep builds).
B_MARKERS = [
    "Globex",
    "bob@globex.test",
    "globex-intranet.example",
    "Globex master plan",
    "987654",
    "B-run-error-marker",
    "ZQ9X",
    "carol@globex.test",
    "offered-QX7W",
    "55555",
]


@dataclass
class Sweep:
    kwargs_b: dict[str, object]
    kwargs_a_slug: dict[str, object]


@pytest.fixture
def sweep(world) -> Sweep:
    repo_b = world.repo_b
    DailyTraffic.objects.create(repository=repo_b, date=date(2026, 1, 5), views=987654, unique_views=3)
    rollups_rebuild(tenant_ids=[repo_b.tenant_id])  # rows written outside the collection
    ReferrerSnapshot.objects.create(
        repository=repo_b, date=date(2026, 1, 5), referrer="globex-intranet.example", count=5, uniques=2
    )
    PathSnapshot.objects.create(
        repository=repo_b,
        date=date(2026, 1, 5),
        path="/globex/secret-plans/blob/main/PLAN.md",
        title="Globex master plan",
        count=5,
        uniques=2,
    )
    RepositoryMetrics.objects.create(repository=repo_b, date=date(2026, 1, 5), stars=987654)
    run_b = CollectionRun.objects.create(tenant=world.tenant_b, trigger="ui", error_summary="B-run-error-marker")
    item_b = RunItem.objects.create(run=run_b, repository=repo_b)
    github_credential_set(tenant=world.tenant_b, token="ghp_tenantBsecretZQ9X")
    invitation_b = Invitation.objects.create(tenant=world.tenant_b, email="carol@globex.test")
    # B's GitHub App installation and a repository it offers (created directly: linking would drop B's token).
    GitHubAppInstallation.objects.create(tenant=world.tenant_b, installation_id=55555, account="GlobexCorp")
    InstallationRepository.objects.create(tenant=world.tenant_b, github_id=2002, owner="globex", name="offered-QX7W")
    # B's public badge: its token carries a marker, so no tenant-A page may show it.
    badge_b = Badge.objects.create(repository=repo_b, token="globex-badge-ZQ9X", metrics="views-14d,stars")
    membership_b = Membership.objects.get(tenant=world.tenant_b, user=world.owner_b)
    content_type = ContentType.objects.get_for_model(Tenant)
    values: dict[str, object] = {
        "tenant_slug": world.tenant_b.slug,
        "owner": repo_b.owner,
        "name": repo_b.name,
        "repo_id": repo_b.pk,
        "repository_id": repo_b.pk,
        "run_id": run_b.pk,
        "item_id": item_b.pk,
        "membership_id": membership_b.pk,
        "member_id": membership_b.pk,
        "invitation_id": invitation_b.pk,
        "answer": "accept",
        "token": "not-a-signed-token",
        "badge_id": badge_b.pk,
        "metric": "views-14d",
        "credential_id": GitHubCredential.objects.get(tenant=world.tenant_b).pk,
        "pk": repo_b.pk,
        # Django admin (staff only): B's tenant row.
        "app_label": "tenants",
        "model_name": "tenant",
        "object_id": world.tenant_b.pk,
        "content_type_id": content_type.pk,
        "id": world.owner_b.pk,
        "url": "tenants/tenant/",
    }
    return Sweep(kwargs_b=values, kwargs_a_slug={**values, "tenant_slug": world.tenant_a.slug})


def _walk(patterns: list, prefix: tuple = ()) -> list[tuple[tuple, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_walk(pattern.url_patterns, (*prefix, pattern.pattern)))
        else:
            found.append(((*prefix, pattern.pattern), pattern))
    return found


ROUTE_ARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def _fill(segments: tuple, values: dict[str, object]) -> tuple[str, set[str]]:
    """The concrete path for these pattern segments, and the argument names used."""
    path, names = "", set()

    def value_for(name: str) -> str:
        if name not in values:
            pytest.fail(f"URL argument {name!r} in {segments!r} is unknown to the isolation sweep: add it to `values`")
        names.add(name)
        return str(values[name])

    for segment in segments:
        if isinstance(segment, RoutePattern):
            path += ROUTE_ARG.sub(lambda m: value_for(m["name"]), str(segment))
        elif isinstance(segment, RegexPattern):
            regex = str(segment).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
            filled = REGEX_GROUP.sub(lambda m: value_for(m["name"]), regex)
            if re.search(r"[\\()\[\]*+?|^$]", filled):
                pytest.fail(f"cannot build a path from regex {str(segment)!r}: teach the isolation sweep")
            path += filled
        else:  # pragma: no cover - other pattern types do not exist in Django 5.2
            pytest.fail(f"unknown pattern type {type(segment)}")
    return "/" + path, names


def _all_urls(values: dict[str, object]) -> list[tuple[str, set[str], URLPattern]]:
    return [(*_fill(segments, values), pattern) for segments, pattern in _walk(get_resolver().url_patterns)]


def _leaks(path: str, body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [marker for marker in B_MARKERS if marker in text and marker not in path]


def _request(client: Client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, {})


def test_it_answers_404_to_a_member_of_another_tenant_on_every_tenant_url(world, sweep) -> None:
    urls = _all_urls(sweep.kwargs_b)
    tenant_urls = [(path, names) for path, names, _ in urls if "tenant_slug" in names]
    assert len(tenant_urls) >= 10, "the sweep found suspiciously few tenant URLs"
    problems = []
    for path, _ in tenant_urls:
        for method in ("GET", "POST"):
            # A fresh client per request: a POST must not change what the next request sees.
            response = _request(world.client_for(world.owner_a), method, path)
            if response.status_code != 404:
                problems.append(f"{method} {path} → {response.status_code} (expected 404)")
            if leaked := _leaks(path, response.content):
                problems.append(f"{method} {path} leaks {leaked}")
    assert not problems, "\n".join(problems)


def test_it_does_not_reach_tenant_b_objects_through_tenant_a_urls(world, sweep) -> None:
    """Tenant A's own slug with B's objects in the other arguments: a view that forgot to scope
    its lookup by the tenant would find them."""
    urls = _all_urls(sweep.kwargs_a_slug)
    mixed = [path for path, names, _ in urls if "tenant_slug" in names and len(names) > 1]
    assert len(mixed) >= 3
    problems = []
    for path in mixed:
        for method in ("GET", "POST"):
            response = _request(world.client_for(world.owner_a), method, path)
            if response.status_code not in (400, 404, 405):
                problems.append(f"{method} {path} → {response.status_code} (expected 404)")
            if leaked := _leaks(path, response.content):
                problems.append(f"{method} {path} leaks {leaked}")
    assert not problems, "\n".join(problems)


def test_it_leaks_nothing_of_tenant_b_on_urls_without_a_tenant(world, sweep) -> None:
    urls = _all_urls(sweep.kwargs_b)
    others = [path for path, names, _ in urls if "tenant_slug" not in names]
    assert any(path == "/" for path in others)
    problems = []
    for path in others:
        for method in ("GET", "POST"):
            response = _request(world.client_for(world.owner_a), method, path)
            if response.status_code >= 500:
                problems.append(f"{method} {path} → {response.status_code}")
            if leaked := _leaks(path, response.content):
                problems.append(f"{method} {path} leaks {leaked}")
    assert not problems, "\n".join(problems)


def test_it_sends_anonymous_visitors_to_login_or_401_on_every_tenant_url(world, sweep) -> None:
    problems = []
    for path, names, _ in _all_urls(sweep.kwargs_b):
        if "tenant_slug" not in names:
            continue
        for method in ("GET", "POST"):
            response = _request(Client(), method, path)
            if path.startswith("/api/"):
                ok = response.status_code == 401
            else:
                ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            if not ok:
                problems.append(f"anonymous {method} {path} → {response.status_code}")
            if leaked := _leaks(path, response.content):
                problems.append(f"anonymous {method} {path} leaks {leaked}")
    assert not problems, "\n".join(problems)


def test_it_fails_on_a_url_argument_it_cannot_fill() -> None:
    # The sweep must not silently skip a new kind of URL.
    with pytest.raises(pytest.fail.Exception, match="unknown to the isolation sweep"):
        _fill((RoutePattern("t/<slug:tenant_slug>/widgets/<int:widget_id>/"),), {"tenant_slug": "x"})


# --- A repository-limited viewer of tenant A -------------------------------------------------------

# Strings that only tenant A's hidden repository (acme/hidden-gem) and the run-wide totals contain.
HIDDEN_MARKERS = [
    "hidden-gem",
    "hidden-gem-referrer.example",
    "Hidden gem roadmap",
    "4747474",  # hidden repository's views and stars
    "HIDDEN-item-error-marker",
    "7770774",  # hidden item's API requests
    "7770777",  # the run's tenant-wide API requests (visible item: 3)
    "5550555",  # the run's tenant-wide days stored
]


@pytest.fixture
def limited_sweep(world, sweep) -> dict[str, object]:
    """Tenant A's data for both repositories, and the URL values of what the limited viewer may see."""
    hidden, visible = world.repo_a_hidden, world.repo_a
    world.limited_viewer  # noqa: B018 - create the viewer (limited to repo_a)
    for repository, views in ((visible, 12), (hidden, 4747474)):
        DailyTraffic.objects.create(repository=repository, date=date(2026, 1, 5), views=views, unique_views=1)
        RepositoryMetrics.objects.create(repository=repository, date=date(2026, 1, 5), stars=views)
    ReferrerSnapshot.objects.create(
        repository=hidden, date=date(2026, 1, 5), referrer="hidden-gem-referrer.example", count=5, uniques=2
    )
    PathSnapshot.objects.create(
        repository=hidden, date=date(2026, 1, 5), path="/acme/hidden-gem/ROADMAP.md", title="Hidden gem roadmap",
        count=5, uniques=2,
    )
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])  # rows written outside the collection
    run = CollectionRun.objects.create(
        tenant=world.tenant_a, trigger="schedule", status="failed", repos_total=2, repos_ok=1, repos_failed=1,
        days_stored=5550555, api_requests=7770777, error_summary="acme/hidden-gem: HIDDEN-item-error-marker",
    )
    RunItem.objects.create(run=run, repository=visible, status="ok", days_stored=14, api_requests=3)
    hidden_item = RunItem.objects.create(
        run=run, repository=hidden, status="failed", days_stored=5550541, api_requests=7770774,
        error="HIDDEN-item-error-marker",
    )
    membership = Membership.objects.get(tenant=world.tenant_a, user=world.limited_viewer)
    return {
        **sweep.kwargs_a_slug,
        "owner": visible.owner,
        "name": visible.name,
        "repo_id": visible.pk,
        "repository_id": visible.pk,
        "pk": visible.pk,
        "run_id": run.pk,
        "item_id": hidden_item.pk,
        "membership_id": membership.pk,
        "member_id": membership.pk,
        "token": "not-a-signed-token",
    }


def _limited_viewer_problems(world, values: dict[str, object]) -> list[str]:
    """Every tenant-A URL, requested by the limited viewer: nothing of the hidden repository, of the
    run-wide totals, or of tenant B may come back; no request may fail."""
    problems = []
    for path, names, _ in _all_urls(values):
        if "tenant_slug" not in names:
            continue
        for method in ("GET", "POST"):
            client = Client(raise_request_exception=False)
            client.force_login(world.limited_viewer)
            response = _request(client, method, path)
            if response.status_code >= 500:
                problems.append(f"{method} {path} → {response.status_code}")
            body = response.content.decode("utf-8", "replace") if not response.streaming else b"".join(
                response.streaming_content
            ).decode("utf-8", "replace")
            leaked = [m for m in HIDDEN_MARKERS + B_MARKERS if m in body and m not in path]
            if leaked:
                problems.append(f"{method} {path} leaks {leaked}")
    return problems


def test_it_shows_a_limited_viewer_only_their_repositories_everywhere(world, limited_sweep) -> None:
    client = world.client_for(world.limited_viewer)
    # The data is there and the pages work: the viewer sees their own repository's figures.
    assert b"acme/rocket" in client.get(f"/t/acme/runs/{limited_sweep['run_id']}/").content
    assert b"4747474" in world.client_for(world.viewer_a).get("/api/v1/t/acme/traffic/?from=2026-01-01").content
    problems = _limited_viewer_problems(world, limited_sweep)
    assert not problems, "\n".join(problems)


def test_it_refuses_a_limited_viewer_the_hidden_repositorys_urls(world, limited_sweep) -> None:
    hidden = world.repo_a_hidden
    values = {**limited_sweep, "name": hidden.name, "repo_id": hidden.pk, "repository_id": hidden.pk, "pk": hidden.pk}
    problems = []
    for path, names, _ in _all_urls(values):
        if "tenant_slug" not in names or not names & {"name", "repo_id", "repository_id", "pk"}:
            continue
        response = world.client_for(world.limited_viewer).get(path)
        if response.status_code not in (403, 404, 405):
            problems.append(f"GET {path} → {response.status_code} (expected 404)")
    assert not problems, "\n".join(problems)


@pytest.mark.urls("tests.isolation_leaky_urls")
def test_it_still_fails_for_a_new_view_that_forgets_scoping(world, limited_sweep) -> None:
    """The sweep's teeth: views added without access / scoping are caught."""
    problems = "\n".join(_limited_viewer_problems(world, limited_sweep))
    assert "/t/acme/leaky/all-repositories/ leaks ['hidden-gem'" in problems
    assert "/t/acme/leaky/tenants/ leaks ['Globex']" in problems
    # Outside tenant URLs a scoped query raises (ScopeError → 500), which the sweep without a tenant flags.
    client = Client(raise_request_exception=False)
    client.force_login(world.owner_a)
    assert client.get("/leaky/unscoped/").status_code == 500
