"""GitHub misbehaving on a mix of repositories in one run: every healthy repository's data is stored,
and every failure carries a readable reason on the run, its item and the repository."""

from datetime import UTC, datetime, timedelta

import pytest

from repos.models import Repository
from stats.collection import merge, services
from stats.models import CollectionRun, DailyTraffic, PathSnapshot, ReferrerSnapshot, RunItem
from tenants.services import github_credential_set

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TOKEN = "ghp_reliabilityFaultsToken0000000001"

# repository name -> (fault kind, fault options, words the readable reason must contain)
FAULTS = {
    # After the retries requests reports a read timeout as ConnectionError: the reason says "unreachable".
    "slow": ("timeout", {"seconds": 2.5}, ["unreachable", "/repos/acme/slow"]),
    "broken": ("error500", {}, ["500"]),
    "garbled": ("malformed", {"endpoint": "views"}, ["invalid JSON"]),
    "cut": ("truncated", {"endpoint": "clones"}, ["unreachable"]),
    "no-push": ("no_push_access", {}, ["push access"]),
    "vanished": ("not_found", {}, ["not found"]),
}
HEALTHY = ["rocket", "ok-one", "ok-two", "throttled"]


def _tenant_repos(world, github, names):
    repos = {}
    for name in names:
        repo = (
            world.repo_a
            if name == "rocket"
            else Repository.objects.create(tenant=world.tenant_a, owner="acme", name=name)
        )
        github.add_repo(f"acme/{name}", github_id=repo.github_id)
        repos[name] = repo
    return repos


def _run(world, *, now=NOW, concurrency=4):
    run = services.collection_run_start(tenant=world.tenant_a, trigger=CollectionRun.Trigger.COMMAND, now=now)
    return services.collection_run_execute(run=run, concurrency=concurrency, now=now)


def _assert_complete(github, repo, today):
    """The repository holds exactly GitHub's daily window: one row per day, GitHub's numbers."""
    rows = {row.date: row for row in DailyTraffic.objects.filter(repository=repo)}
    window = set(merge.daily_window(today))
    assert set(rows) == window
    for day in window - {today, min(window)}:  # the two edge days of the rolling window are partial
        truth = github.truth(repo.full_name, day)
        assert (rows[day].views, rows[day].unique_views, rows[day].clones) == (
            truth["views"], truth["unique_views"], truth["clones"]
        ), day


@pytest.mark.slow
def test_it_stores_every_healthy_repository_and_explains_every_failure(rocket_only, fake_github, settings):
    world = rocket_only
    # Long enough for a healthy answer on a busy machine, short enough for the "slow" one to time out.
    settings.GITHUB_TIMEOUT_SECONDS = 1.0
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 5
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    fake_github.set_now(NOW)
    repos = _tenant_repos(world, fake_github, HEALTHY + list(FAULTS))
    for name, (kind, options, _) in FAULTS.items():
        fake_github.inject_fault(f"acme/{name}", kind, **options)
    # A secondary rate limit with a short retry-after is waited out, then the repository succeeds.
    fake_github.inject_fault("acme/throttled", "secondary_rate_limit", times=1, seconds=1, endpoint="paths")

    run = _run(world)

    assert run.status == CollectionRun.Status.PARTIAL
    assert (run.repos_total, run.repos_ok, run.repos_failed) == (10, 4, 6)
    for name in HEALTHY:
        repos[name].refresh_from_db()
        assert repos[name].last_error == ""
        assert repos[name].last_success_at is not None
        _assert_complete(fake_github, repos[name], NOW.date())
        assert ReferrerSnapshot.objects.filter(repository=repos[name], date=NOW.date()).exists()
        assert PathSnapshot.objects.filter(repository=repos[name], date=NOW.date()).exists()
    assert fake_github.request_count(path_contains="acme/throttled/traffic/popular/paths", status=429) == 1

    items = {item.repository.name: item for item in RunItem.objects.filter(run=run).select_related("repository")}
    for name, (_, _, words) in FAULTS.items():
        item, repo = items[name], Repository.objects.get(pk=repos[name].pk)
        assert item.status == RunItem.Status.FAILED, name
        for text in (item.error, repo.last_error):
            assert all(word.lower() in text.lower() for word in words), (name, text)
            assert "Traceback" not in text and TOKEN not in text
        assert f"acme/{name}: {item.error}" in run.error_summary
        assert repo.last_success_at is None
    for name in HEALTHY:
        assert f"acme/{name}:" not in run.error_summary

    # GitHub recovers: the next run completes and the failed repositories catch up.
    fake_github.clear_faults()
    later = NOW + timedelta(hours=1)
    fake_github.set_now(later)
    second = _run(world, now=later)
    assert second.status == CollectionRun.Status.SUCCEEDED, second.error_summary
    for name in FAULTS:
        _assert_complete(fake_github, repos[name], later.date())


@pytest.mark.slow
def test_it_stops_cleanly_when_the_primary_rate_limit_runs_out_mid_run(rocket_only, fake_github, settings):
    world = rocket_only
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    fake_github.set_now(NOW)
    names = ["rocket", "r1", "r2", "r3", "r4", "r5"]
    repos = _tenant_repos(world, fake_github, names)
    # Seven requests per repository: two repositories and a half fit in the budget.
    fake_github.set_rate_limit(remaining=7 * 2 + 3, reset_in=3600)

    run = _run(world, concurrency=1)

    assert run.status == CollectionRun.Status.RATE_LIMITED
    assert run.rate_limited_until is not None and run.rate_limited_until > datetime.now(UTC) + timedelta(minutes=30)
    items = list(RunItem.objects.filter(run=run).select_related("repository").order_by("repository__name"))
    done = [item for item in items if item.status == RunItem.Status.OK]
    skipped = [item for item in items if item.status == RunItem.Status.SKIPPED]
    assert len(done) == 2 and len(skipped) == 4
    for item in skipped:
        assert item.error.startswith("rate limited until "), item.error
        assert f"{item.repository.full_name}: rate limited until" in run.error_summary
    for item in done:
        _assert_complete(fake_github, item.repository, NOW.date())
    # The client reads x-ratelimit-remaining: nothing is asked of GitHub once the budget is spent
    # (at most the one request that found out).
    assert fake_github.request_count(status=403) <= 1
    assert len(fake_github.requests) <= 7 * 2 + 3 + 1

    fake_github.reset_rate_limit()
    later = NOW + timedelta(hours=2)
    fake_github.set_now(later)
    second = _run(world, now=later)
    assert second.status == CollectionRun.Status.SUCCEEDED, second.error_summary
    for name in names:
        _assert_complete(fake_github, repos[name], later.date())


def test_it_stops_cleanly_on_a_long_secondary_rate_limit(rocket_only, fake_github, settings):
    world = rocket_only
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 5
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    fake_github.set_now(NOW)
    _tenant_repos(world, fake_github, ["rocket", "r1", "r2"])
    fake_github.inject_fault("acme/r1", "secondary_rate_limit", seconds=900, endpoint="repo")

    run = _run(world, concurrency=1)

    assert run.status == CollectionRun.Status.RATE_LIMITED
    item = RunItem.objects.get(run=run, repository__name="r1")
    assert item.status == RunItem.Status.SKIPPED
    assert item.error.startswith("rate limited until ")
    # A 15-minute wait is not slept through: the run ends at once.
    assert run.finished - run.started < timedelta(seconds=60)
