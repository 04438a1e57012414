"""Release downloads, collected as optional work: the fake's endpoint, the stored cumulative counts,
the daily series across a deleted asset and a new release, and the planner keeping traffic first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from repos.github import GitHubClient
from repos.github_releases import releases_list
from repos.models import Repository
from stats.collection import planner, services
from stats.models import CollectionRun, ReleaseAsset, ReleaseAssetDownloads, RunItem
from stats.traffic.releases_selectors import daily_downloads, release_downloads
from tenants.access import TenantAccess
from tests.collection_support import TOKEN, give_token, noon

pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)


@pytest.fixture
def gh(fake_github, world):
    give_token(world.tenant_a)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.set_today(DAY)
    return fake_github


def collect(tenant, gh, *, day: date, trigger: str = "schedule", hour: int = 12) -> CollectionRun:
    now = noon(day).replace(hour=hour)
    gh.set_now(now)
    run = services.collection_run_start(tenant=tenant, trigger=trigger, now=now)
    return services.collection_run_execute(run=run, concurrency=2, now=now)


def counts(repo: Repository, day: date) -> dict[str, int]:
    return {
        row.asset.name: row.download_count
        for row in ReleaseAssetDownloads.objects.filter(asset__repository=repo, date=day).select_related("asset")
    }


def test_it_pages_the_fake_releases_with_link_headers_newest_first(gh):
    for n in range(5):
        gh.releases.add("acme/rocket", f"v{n}", assets={f"rocket-{n}.tar.gz": n})
    with GitHubClient(token=TOKEN, base_url=gh.url) as client:
        first = client.get("/repos/acme/rocket/releases", params={"per_page": 2})
        assert [r["tag_name"] for r in first.data] == ["v4", "v3"]
        assert first.next_url is not None and "page=2" in first.next_url
        release = first.data[0]
        assert {"id", "tag_name", "name", "published_at", "draft", "prerelease", "assets"} <= set(release)
        assert {"id", "name", "download_count", "content_type", "size", "created_at", "updated_at"} <= set(
            release["assets"][0])
        everything = releases_list(client, "acme/rocket")
    assert [r["tag_name"] for r in everything.data] == ["v4", "v3", "v2", "v1", "v0"]
    assert everything.next_url is None


def test_it_follows_every_page_of_a_long_release_list(gh, monkeypatch):
    from repos import github_releases

    monkeypatch.setattr(github_releases, "PER_PAGE", 2)
    for n in range(5):
        gh.releases.add("acme/rocket", f"v{n}")
    with GitHubClient(token=TOKEN, base_url=gh.url) as client:
        listed = releases_list(client, "acme/rocket")
    assert len(listed.data) == 5 and gh.request_count(path_contains="/releases") == 3


def test_it_collects_cumulative_counts_on_a_scheduled_run_after_the_traffic(gh, world):
    gh.releases.add("acme/rocket", "v1.0", name="First", assets={"rocket.tar.gz": 10, "rocket.zip": 3})
    gh.releases.add("acme/rocket", "v1.1-draft", draft=True, assets={"draft.tar.gz": 0})
    collect(world.tenant_a, gh, day=DAY, trigger="command")  # a person's run: traffic only
    assert not ReleaseAsset.objects.exists() and gh.request_count(path_contains="/releases") == 0
    run = collect(world.tenant_a, gh, day=DAY, hour=13)  # the next tick, budget known: releases due
    item = RunItem.objects.get(run=run)
    assert item.groups == "releases" and item.status == RunItem.Status.OK
    assert counts(world.repo_a, DAY) == {"rocket.tar.gz": 10, "rocket.zip": 3}  # drafts are not stored
    asset = ReleaseAsset.objects.get(name="rocket.tar.gz")
    assert (asset.tag, asset.release_name, asset.published_at is not None) == ("v1.0", "First", True)
    assert Repository.objects.get(pk=world.repo_a.pk).releases_fetched_on == DAY
    # Re-observed the same day: the largest count of the day stays.
    gh.releases.downloads("acme/rocket", "v1.0", "rocket.tar.gz", 12)
    Repository.objects.filter(pk=world.repo_a.pk).update(releases_fetched_on=DAY - timedelta(days=1))
    collect(world.tenant_a, gh, day=DAY, hour=14)
    assert counts(world.repo_a, DAY)["rocket.tar.gz"] == 12


def test_it_derives_a_series_across_a_deleted_asset_and_a_new_release(gh, world):
    gh.releases.add("acme/rocket", "v1", assets={"a.tar.gz": 100, "b.zip": 50})
    collect(world.tenant_a, gh, day=DAY, trigger="command")
    collect(world.tenant_a, gh, day=DAY, hour=13)  # first observation: no daily figure
    gh.releases.downloads("acme/rocket", "v1", "a.tar.gz", 110)
    gh.releases.downloads("acme/rocket", "v1", "b.zip", 55)
    collect(world.tenant_a, gh, day=DAY + timedelta(days=1))
    gh.releases.delete_asset("acme/rocket", "v1", "b.zip")
    gh.set_now(noon(DAY + timedelta(days=2)))
    gh.releases.add("acme/rocket", "v2", assets={"a2.tar.gz": 7})
    gh.releases.downloads("acme/rocket", "v1", "a.tar.gz", 111)
    collect(world.tenant_a, gh, day=DAY + timedelta(days=2))
    gh.releases.downloads("acme/rocket", "v2", "a2.tar.gz", 20)
    collect(world.tenant_a, gh, day=DAY + timedelta(days=3))

    deleted = ReleaseAsset.objects.get(name="b.zip")
    assert deleted.deleted_on == DAY + timedelta(days=2)
    report = release_downloads(access=TenantAccess.full(world.tenant_a), start=DAY, end=DAY + timedelta(days=3))
    series = [point.downloads for point in report.results]
    # Day 0: first sight (unknown); day 1: 10 + 5; day 2: 1 (v2 first seen, b.zip gone); day 3: 13.
    assert series == [None, 15, 1, 13]
    by_tag = {release.tag: release for release in report.releases}
    assert [release.tag for release in report.releases] == ["v2", "v1"]
    assert by_tag["v1"].downloads == 16 and by_tag["v2"].downloads == 13
    assert {a.name: (a.downloads, a.latest, a.deleted_on) for a in by_tag["v1"].assets} == {
        "a.tar.gz": (11, 111, None), "b.zip": (5, 55, DAY + timedelta(days=2)),
    }
    # All-time counts keep what the deleted asset had been downloaded.
    assert report.total == 29 and report.latest_total == 111 + 55 + 20


def test_it_never_counts_a_decrease_and_puts_a_gap_on_the_day_observed():
    d = date(2026, 1, 1)
    obs = [(d, 10), (d + timedelta(days=1), 15), (d + timedelta(days=4), 30), (d + timedelta(days=5), 2),
           (d + timedelta(days=6), 5)]
    assert daily_downloads(obs) == {d + timedelta(days=1): 5, d + timedelta(days=4): 15, d + timedelta(days=6): 3}
    assert daily_downloads([(d, 10)], before=4) == {d: 6}


def test_it_keeps_traffic_first_a_releases_refusal_fails_nothing(gh, world):
    gh.releases.add("acme/rocket", "v1", assets={"a.tar.gz": 1})
    gh.inject_fault("acme/rocket", "not_accessible", endpoint="releases")
    collect(world.tenant_a, gh, day=DAY, trigger="command")
    run = collect(world.tenant_a, gh, day=DAY, hour=13)
    assert run.status == CollectionRun.Status.SUCCEEDED
    assert not ReleaseAsset.objects.exists()
    # Asked today: not asked again on every hourly tick of the day.
    assert Repository.objects.get(pk=world.repo_a.pk).releases_fetched_on == DAY


TODAY = date(2026, 11, 18)


def _state(repo_id: int, name: str, **fetched: date | None) -> planner.RepositoryState:
    days: dict[planner.Group, date | None] = {group: TODAY for group in planner.PLANNED_ORDER}
    days.update({planner.Group(key): value for key, value in fetched.items()})
    return planner.RepositoryState(repository_id=repo_id, full_name=name, fetched_on=days)


def test_it_never_lets_releases_displace_traffic_at_risk():
    at_risk = _state(1, "acme/a", day=TODAY - timedelta(days=9), releases=None)
    stale_releases = [_state(n, f"acme/r{n}", releases=TODAY - timedelta(days=30)) for n in range(2, 6)]
    plan = planner.collection_plan(states=[*stale_releases, at_risk], today=TODAY, budget=3)
    # The at-risk day series (2 requests) first; one request left: the never-fetched release list.
    assert [(p.full_name, p.groups) for p in plan.repositories] == [
        ("acme/a", (planner.Group.DAY_SERIES, planner.Group.RELEASES))]
    assert plan.requests_planned == 3 and plan.optional_left == 4
    # With 2 requests, the at-risk traffic takes them all.
    tight = planner.collection_plan(states=[*stale_releases, at_risk], today=TODAY, budget=2)
    assert [(p.full_name, p.groups) for p in tight.repositories] == [("acme/a", (planner.Group.DAY_SERIES,))]


def test_it_plans_no_release_fetch_over_capacity_nor_on_an_unknown_budget():
    at_risk = [_state(n, f"acme/a{n}", day=TODAY - timedelta(days=9), releases=None) for n in range(3)]
    over = planner.collection_plan(states=at_risk, today=TODAY, budget=5)  # 6 needed, 1 would be left
    assert over.mode is planner.Mode.OVER_CAPACITY
    assert all(planner.Group.RELEASES not in p.groups for p in over.repositories)
    assert "optional fetches" in over.summary()
    unknown = planner.collection_plan(states=at_risk, today=TODAY, budget=None)
    assert all(planner.Group.RELEASES not in p.groups for p in unknown.repositories)
    ample = planner.collection_plan(states=at_risk, today=TODAY, budget=100)
    assert all(planner.Group.RELEASES in p.groups for p in ample.repositories)
