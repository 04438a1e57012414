"""The follow filter: pattern semantics, and the one decision applied on import, on App installation
sync and on webhook additions; the settings page and its preview (admins)."""

from __future__ import annotations

import pytest
from django.test import Client

from repos import services
from repos.follow_filters import (
    FilterDecision,
    FollowFilterInvalid,
    follow_filter_allows,
    follow_filter_set,
    patterns_parse,
    skipped_summary,
)
from repos.github import RepoInfo
from repos.installations import installation_repositories_sync
from repos.models import FollowFilter, InstallationRepository, Repository
from tenants.app_installations import github_app_installation_set
from tenants.services import github_credential_set

pytestmark = pytest.mark.usefixtures("rocket_only")


def info(full_name: str, **flags: bool) -> RepoInfo:
    owner, name = full_name.split("/")
    return RepoInfo(github_id=abs(hash(full_name)) % 10**9, owner=owner, name=name, **flags)


def rule(patterns: str = "", **flags: bool) -> FollowFilter:
    return FollowFilter(patterns=patterns, **{"include_forks": True, "include_archived": True,
                                              "include_private": True, **flags})


def allowed(follow_filter: FollowFilter, *names: str) -> list[str]:
    return [name for name in names if follow_filter_allows(follow_filter, info(name)).allowed]


NAMES = ("acme/docs-api", "acme/docs-web", "acme/sandbox-1", "acme/rocket", "other/docs-x", "acme/Sandbox-UP")


def test_it_allows_everything_without_a_filter_or_patterns() -> None:
    assert allowed(None, *NAMES) == list(NAMES)  # type: ignore[arg-type]
    assert allowed(rule(), *NAMES) == list(NAMES)


def test_it_excludes_with_a_bang_and_keeps_the_rest() -> None:
    assert allowed(rule("!sandbox-*"), *NAMES) == ["acme/docs-api", "acme/docs-web", "acme/rocket", "other/docs-x"]


def test_it_follows_only_what_an_include_pattern_matches() -> None:
    assert allowed(rule("docs-*"), *NAMES) == ["acme/docs-api", "acme/docs-web", "other/docs-x"]
    assert allowed(rule("docs-*\nrocket"), *NAMES) == ["acme/docs-api", "acme/docs-web", "acme/rocket", "other/docs-x"]


def test_it_matches_owner_slash_name_when_the_pattern_has_a_slash() -> None:
    assert allowed(rule("acme/*\n!acme/docs-w*"), *NAMES) == [
        "acme/docs-api", "acme/sandbox-1", "acme/rocket", "acme/Sandbox-UP"
    ]


def test_it_lets_an_exclude_win_whatever_the_order_of_the_lines() -> None:
    assert allowed(rule("!docs-web\ndocs-*"), *NAMES) == allowed(rule("docs-*\n!docs-web"), *NAMES) == [
        "acme/docs-api", "other/docs-x"
    ]


def test_it_ignores_comments_blank_lines_and_case() -> None:
    assert allowed(rule("# no sandboxes\n\n  !SANDBOX-*  \n"), "acme/Sandbox-UP", "acme/rocket") == ["acme/rocket"]


def test_it_says_why_a_repository_is_left_out() -> None:
    strict = rule("docs-*\n!docs-old", include_forks=False, include_archived=False, include_private=False)
    assert follow_filter_allows(strict, info("a/docs-1", fork=True)) == FilterDecision(False, "fork")
    assert follow_filter_allows(strict, info("a/docs-1", archived=True)) == FilterDecision(False, "archived")
    assert follow_filter_allows(strict, info("a/docs-1", private=True)) == FilterDecision(False, "private")
    assert follow_filter_allows(strict, info("a/docs-old")).explanation == "excluded by !docs-old"
    assert follow_filter_allows(strict, info("a/rocket")).explanation == "matches no include pattern"
    assert follow_filter_allows(strict, info("a/docs-1")).allowed


def test_it_refuses_patterns_that_are_not_names() -> None:
    assert patterns_parse("docs-*\n!sandbox-*") == (["docs-*"], ["sandbox-*"])
    for bad in ("!", "a/b/c", "two words"):
        with pytest.raises(FollowFilterInvalid, match="line 1"):
            patterns_parse(bad)


def test_it_summarises_what_was_skipped() -> None:
    skipped = [("a/f1", FilterDecision(False, "fork")), ("a/f2", FilterDecision(False, "fork")),
               ("a/old", FilterDecision(False, "archived")),
               ("a/sandbox-1", FilterDecision(False, "pattern:sandbox-*"))]
    assert skipped_summary(skipped) == "skipped 2 forks, 1 archived, 1 by pattern sandbox-*"
    assert skipped_summary([]) == ""


# --- import from GitHub --------------------------------------------------------------------------
@pytest.fixture
def listed(world, fake_github):
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.add_repo("acme/docs-api")
    fake_github.add_repo("acme/fork-of-x", fork=True)
    fake_github.add_repo("acme/fork-of-y", fork=True)
    fake_github.add_repo("acme/old-thing", archived=True)
    fake_github.add_repo("acme/secret", private=True)
    fake_github.add_repo("acme/sandbox-1")
    github_credential_set(tenant=world.tenant_a, token="ghp_test_token_1234")
    return world


def test_it_reads_fork_archived_and_private_from_githubs_listing(listed) -> None:
    found = {repo.full_name: repo for repo in services.github_repositories(tenant=listed.tenant_a)}
    assert found["acme/fork-of-x"].fork and found["acme/old-thing"].archived and found["acme/secret"].private
    assert not (found["acme/rocket"].fork or found["acme/rocket"].archived or found["acme/rocket"].private)


def test_it_filters_an_import_and_reports_what_it_skipped(listed) -> None:
    follow_filter_set(tenant=listed.tenant_a, include_forks=False, include_archived=False, include_private=True,
                      patterns="!sandbox-*")
    response = listed.client_for(listed.owner_a).post("/t/acme/repos/import/", {"org": ""}, follow=True)
    assert (
        "Imported 2 new repositories; 1 were already followed; skipped 2 forks, 1 archived, 1 by pattern sandbox-* "
        "(follow filter)." in response.content.decode()
    )
    assert {r.full_name for r in Repository.objects.filter(tenant=listed.tenant_a)} == {
        "acme/rocket", "acme/docs-api", "acme/secret"
    }


def test_it_neither_unfollows_nor_reactivates_against_the_filter(listed) -> None:
    kept = Repository.objects.create(tenant=listed.tenant_a, owner="acme", name="fork-of-x")
    paused = Repository.objects.create(tenant=listed.tenant_a, owner="acme", name="sandbox-1", active=False)
    follow_filter_set(tenant=listed.tenant_a, include_forks=False, include_archived=True, include_private=True,
                      patterns="!sandbox-*")
    result = services.repositories_import(
        tenant=listed.tenant_a, repositories=services.github_repositories(tenant=listed.tenant_a)
    )
    assert result.existing == 2  # rocket and the fork followed before the filter: they stay
    assert "acme/sandbox-1" in [name for name, _ in result.skipped]
    kept.refresh_from_db()
    paused.refresh_from_db()
    assert kept.active and not paused.active


# --- the GitHub App installation ------------------------------------------------------------------
@pytest.fixture
def installation(world, github_app, fake_github):
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.add_repo("acme/docs-api")
    fake_github.add_repo("acme/fork-of-x", fork=True)
    fake_github.add_repo("acme/old-thing", archived=True)
    fake_github.add_repo("acme/sandbox-1")
    fake_github.add_repo("acme/fork-later", fork=True)
    fake_github.add_repo("acme/sandbox-later")
    fake_github.add_repo("acme/good-later")
    github_app.add_installation(12345, "acme", ["acme/rocket", "acme/docs-api", "acme/fork-of-x", "acme/old-thing",
                                                "acme/sandbox-1"])
    github_app_installation_set(tenant=world.tenant_a, installation_id=12345, account="acme", follow_all=True)
    follow_filter_set(tenant=world.tenant_a, include_forks=False, include_archived=False, include_private=True,
                      patterns="!sandbox-*")
    return world


def deliver(github_app, payload: dict):
    body, headers = github_app.delivery("installation_repositories", payload, secret="test-app-webhook-secret")
    return Client().post("/hooks/github/", body, content_type="application/json", headers=headers)


def followed(tenant) -> set[str]:
    return {r.full_name for r in Repository.objects.filter(tenant=tenant, active=True)}


def test_it_filters_the_installations_sync(installation) -> None:
    result = installation_repositories_sync(tenant=installation.tenant_a)
    assert followed(installation.tenant_a) == {"acme/rocket", "acme/docs-api"}
    assert skipped_summary(result.skipped) == "skipped 1 fork, 1 archived, 1 by pattern sandbox-*"
    # Skipped ones stay offered (a maintainer may still follow one by hand), with GitHub's flags kept.
    offered = {row.full_name: row for row in InstallationRepository.objects.filter(tenant=installation.tenant_a)}
    assert offered["acme/fork-of-x"].fork and offered["acme/old-thing"].archived
    assert result.offered == 3


def test_it_filters_repositories_added_by_webhook(installation, github_app) -> None:
    installation_repositories_sync(tenant=installation.tenant_a)
    payload = github_app.grant(12345, ["acme/fork-later", "acme/sandbox-later", "acme/good-later"])
    # GitHub's installation_repositories payload carries `private` but no `fork` / `archived`.
    assert all("fork" not in entry for entry in payload["repositories_added"])
    response = deliver(github_app, payload)
    assert response.status_code == 200, response.content
    assert "skipped 2 by the follow filter" in response.json()["result"]
    assert followed(installation.tenant_a) == {"acme/rocket", "acme/docs-api", "acme/good-later"}
    assert InstallationRepository.objects.get(tenant=installation.tenant_a, name="fork-later").fork


def test_it_does_not_follow_an_addition_it_could_not_check(installation, github_app, monkeypatch) -> None:
    from repos.github import GitHubClient, GitHubError

    installation_repositories_sync(tenant=installation.tenant_a)
    payload = github_app.grant(12345, ["acme/good-later"])

    def unavailable(self):
        raise GitHubError("GitHub is down")

    monkeypatch.setattr(GitHubClient, "list_installation_repositories", unavailable)
    assert deliver(github_app, payload).status_code == 200
    # The filter excludes forks, and GitHub could not say whether this one is: offered, not followed.
    assert "acme/good-later" not in followed(installation.tenant_a)
    assert InstallationRepository.objects.filter(tenant=installation.tenant_a, name="good-later").exists()


def test_it_needs_no_listing_when_the_filter_ignores_forks_and_archived(installation, github_app, fake_github) -> None:
    follow_filter_set(tenant=installation.tenant_a, include_forks=True, include_archived=True, include_private=True,
                      patterns="!sandbox-*")
    installation_repositories_sync(tenant=installation.tenant_a)
    before = len(fake_github.requests)
    deliver(github_app, github_app.grant(12345, ["acme/fork-later", "acme/sandbox-later"]))
    assert "acme/fork-later" in followed(installation.tenant_a)
    assert "acme/sandbox-later" not in followed(installation.tenant_a)
    assert not [r for r in fake_github.requests[before:] if r.path == "/installation/repositories"]


# --- the settings page ---------------------------------------------------------------------------
def test_it_saves_the_filter_and_previews_the_offered_repositories(world) -> None:
    for github_id, name, flags in ((1, "docs-api", {}), (2, "fork-of-x", {"fork": True}), (3, "sandbox-1", {})):
        InstallationRepository.objects.create(tenant=world.tenant_a, github_id=github_id, owner="acme", name=name,
                                              **flags)
    client = world.client_for(world.owner_a)
    page = client.post("/t/acme/repos/follow-filter/", {"patterns": "!sandbox-*", "include_archived": "on",
                                                        "include_private": "on", "preview": "1"}).content.decode()
    assert "not saved" in page and "1 would be followed" in page and "excluded by !sandbox-*" in page
    assert "a fork" in page
    assert not FollowFilter.objects.filter(tenant=world.tenant_a).exists()
    response = client.post("/t/acme/repos/follow-filter/", {"patterns": "!sandbox-*\n", "include_archived": "on",
                                                            "include_private": "on"}, follow=True)
    assert "repositories already followed stay followed" in response.content.decode()
    saved = FollowFilter.objects.get(tenant=world.tenant_a)
    assert (saved.include_forks, saved.include_archived, saved.patterns) == (False, True, "!sandbox-*")
    bad = client.post("/t/acme/repos/follow-filter/", {"patterns": "a/b/c"}).content.decode()
    assert "line 1" in bad
    assert FollowFilter.objects.get(tenant=world.tenant_a).patterns == "!sandbox-*"


def test_it_lets_only_admins_of_the_tenant_change_the_filter(world) -> None:
    assert world.client_for(world.maintainer).get("/t/acme/repos/follow-filter/").status_code == 403
    assert world.client_for(world.maintainer).post("/t/acme/repos/follow-filter/", {}).status_code == 403
    assert world.client_for(world.owner_b).get("/t/acme/repos/follow-filter/").status_code == 404
    assert world.client_for(world.owner_a).get("/t/acme/repos/follow-filter/").status_code == 200
