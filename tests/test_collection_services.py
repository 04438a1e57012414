"""Collection service against the fake GitHub: storage, idempotence, faults, rate limits, lock, kill."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from common import egress
from repos import github
from repos.models import EndpointETag, Repository
from stats.collection import services, store
from stats.models import (
    CollectionLock,
    CollectionRun,
    DailyTraffic,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMetrics,
    RunItem,
    WeeklyTraffic,
)
from tenants.models import GitHubCredential
from tests.collection_support import TOKEN, follow, give_token, noon

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)
Status = CollectionRun.Status


@pytest.fixture
def gh(fake_github, world):
    give_token(world.tenant_a)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.set_today(DAY)
    return fake_github


@pytest.fixture
def no_sleep(monkeypatch):
    calls: list[float] = []
    monkeypatch.setattr(github, "pause", calls.append)
    return calls


def collect(tenant, *, day=DAY, hour=12, repositories=None, concurrency=4, gh=None):
    now = noon(day).replace(hour=hour)
    if gh is not None:
        gh.set_now(now)
    run = services.collection_run_start(tenant=tenant, trigger="command", repositories=repositories, now=now)
    return services.collection_run_execute(run=run, concurrency=concurrency, now=now)


def daily(repo) -> dict[date, tuple[int, int, int, int]]:
    return {
        row.date: (row.views, row.unique_views, row.clones, row.unique_clones)
        for row in DailyTraffic.objects.filter(repository=repo)
    }


def truth(gh, repo, day) -> tuple[int, int, int, int]:
    t = gh.truth(repo.full_name, day)
    return (t["views"], t["unique_views"], t["clones"], t["unique_clones"])


def everything() -> dict[str, list[tuple]]:
    """Every stored value, to compare two database states."""
    return {
        "daily": sorted(DailyTraffic.objects.values_list("repository", "date", "views", "unique_views", "clones",
                                                         "unique_clones")),
        "weekly": sorted(WeeklyTraffic.objects.values_list("repository", "week_start", "views", "unique_views",
                                                           "clones", "unique_clones")),
        "referrers": sorted(ReferrerSnapshot.objects.values_list("repository", "date", "referrer", "count",
                                                                 "uniques")),
        "paths": sorted(PathSnapshot.objects.values_list("repository", "date", "path", "count", "uniques")),
        "metrics": sorted(RepositoryMetrics.objects.values_list("repository", "date", "stars", "forks", "watchers",
                                                                "open_issues", "size_kb")),
    }


def test_it_stores_the_window_snapshots_metrics_and_run_totals(gh, world):
    run = collect(world.tenant_a)
    assert run.status == Status.SUCCEEDED and (run.repos_total, run.repos_ok, run.repos_failed) == (1, 1, 0)
    assert run.api_requests == 7 and run.not_modified == 0 and run.days_stored == 15
    assert run.started is not None and run.finished is not None and run.rate_limit_remaining == 4993
    stored = daily(world.repo_a)
    assert sorted(stored) == [DAY - timedelta(days=n) for n in range(14, -1, -1)]
    for n in range(1, 14):
        day = DAY - timedelta(days=n)
        assert stored[day] == truth(gh, world.repo_a, day)
    assert any(values == (0, 0, 0, 0) for values in stored.values())  # omitted days are real zeros
    assert WeeklyTraffic.objects.filter(repository=world.repo_a).count() == 3
    assert ReferrerSnapshot.objects.filter(repository=world.repo_a, date=DAY).count() == len(
        gh.popular_body(gh.repos["acme/rocket"], "referrers"))
    assert PathSnapshot.objects.filter(repository=world.repo_a, date=DAY).exists()
    metrics = RepositoryMetrics.objects.get(repository=world.repo_a)
    assert (metrics.date, metrics.stars) == (DAY, gh.star_count("acme/rocket"))
    repo = Repository.objects.get(pk=world.repo_a.pk)
    assert repo.last_success_at is not None and repo.last_error == ""
    assert EndpointETag.objects.filter(repository=world.repo_a).count() == 7
    assert CollectionLock.objects.get(tenant=world.tenant_a).run is None
    assert RunItem.objects.get(run=run).status == RunItem.Status.OK


def test_it_changes_nothing_when_run_twice(gh, world):
    follow(gh, world.tenant_a, "acme/engine")
    collect(world.tenant_a)
    before = everything()
    again = collect(world.tenant_a)
    assert again.status == Status.SUCCEEDED and again.days_stored == 0
    # All answered 304, free; metadata came from one GraphQL query (node ids known since the first run).
    assert again.not_modified == again.api_requests == 12
    assert gh.request_count(path_contains="/graphql") == 1
    assert everything() == before


def test_it_writes_a_constant_number_of_queries_per_repository(gh, world):
    for n in range(6):
        follow(gh, world.tenant_a, f"acme/r{n}")
    small = services.collection_run_start(tenant=world.tenant_a, trigger="command",
                                          repositories=Repository.objects.filter(name__in=["r0"]), now=noon(DAY))
    with CaptureQueriesContext(connection) as one:
        services.collection_run_execute(run=small, now=noon(DAY))
    big = services.collection_run_start(tenant=world.tenant_a, trigger="command",
                                        repositories=Repository.objects.filter(name__startswith="r"), now=noon(DAY))
    with CaptureQueriesContext(connection) as six:
        services.collection_run_execute(run=big, now=noon(DAY))
    per_repo = (len(six) - len(one)) / 5
    # 23: the store's statements, the rollups' 3 upserts (tenant days, repository months and weeks), the
    # latest-snapshot pointer's 1, and handing the repository's budget reservation back.
    assert per_repo <= 23, per_repo
    assert len(one) <= 46  # 6 of them per batch: the shared budget's reservation (stats.collection.reservations)


def test_it_stays_within_a_query_bound_per_repo(gh, world, django_assert_max_num_queries):
    for n in range(4):
        follow(gh, world.tenant_a, f"acme/q{n}")
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    with django_assert_max_num_queries(15 + 23 * 5):
        services.collection_run_execute(run=run, now=noon(DAY))


@pytest.mark.parametrize(
    ("fault", "expected", "code"),
    [
        ("no_push_access", github.MSG_NO_ACCESS, "no_push_access"),
        ("not_accessible", github.MSG_NO_ACCESS, "no_push_access"),
        ("not_found", github.MSG_NOT_FOUND, "not_found"),
        ("unauthorized", github.MSG_UNAUTHORIZED, "bad_credential"),
        ("error500", "GitHub answered 500", "server_error"),
        ("timeout", "GitHub unreachable", "timeout"),
        ("malformed", "invalid JSON", "bad_response"),
        ("truncated", "GitHub unreachable", "unreachable"),
    ],
)
def test_it_records_each_error_class_and_collects_the_others(gh, world, settings, fault, expected, code):
    settings.GITHUB_TIMEOUT_SECONDS = 0.3
    broken = follow(gh, world.tenant_a, "acme/broken")
    gh.inject_fault("acme/broken", fault, seconds=1, endpoint="clones" if fault in ("malformed", "truncated") else None)
    run = collect(world.tenant_a)
    assert run.status == Status.PARTIAL and (run.repos_ok, run.repos_failed) == (1, 1)
    item = RunItem.objects.get(run=run, repository=broken)
    assert item.status == RunItem.Status.FAILED and expected in item.error and item.error_code == code
    assert f"acme/broken: {item.error}" in run.error_summary
    stored = Repository.objects.get(pk=broken.pk)
    assert expected in stored.last_error and stored.last_error_code == code
    assert TOKEN not in run.error_summary
    assert len(daily(world.repo_a)) == 15
    gh.clear_faults()
    rerun = collect(world.tenant_a)
    assert rerun.status == Status.SUCCEEDED
    assert Repository.objects.get(pk=broken.pk).last_error == ""
    assert Repository.objects.get(pk=broken.pk).last_error_code == ""
    assert daily(broken)[DAY - timedelta(days=3)] == truth(gh, broken, DAY - timedelta(days=3))


def test_it_reports_a_missing_or_unreadable_token_per_repository(gh, world):
    GitHubCredential.objects.filter(tenant=world.tenant_a).delete()
    run = collect(world.tenant_a)
    assert run.status == Status.FAILED and "no GitHub token configured" in run.error_summary
    GitHubCredential.objects.create(tenant=world.tenant_a, token_encrypted="garbage", token_last4="xxxx")
    run = collect(world.tenant_a)
    assert run.status == Status.FAILED and "cannot be decrypted" in run.error_summary


def test_it_stops_cleanly_when_rate_limited_and_resumes(gh, world, no_sleep):
    for n in range(3):
        follow(gh, world.tenant_a, f"acme/r{n}")
    gh.set_rate_limit(remaining=10, reset_in=3600)  # 4 repos need 28 requests
    run = collect(world.tenant_a, concurrency=1)
    assert run.status == Status.RATE_LIMITED and run.rate_limited_until is not None
    assert "rate limited until" in run.error_summary
    ok = RunItem.objects.filter(run=run, status=RunItem.Status.OK).count()
    assert ok == 1 and run.repos_failed == 3
    assert len(gh.requests) <= 11 and no_sleep == []  # no spinning
    kept = everything()
    assert kept["daily"] and kept["referrers"]
    assert CollectionLock.objects.get(tenant=world.tenant_a).run is None
    gh.reset_rate_limit()
    rerun = collect(world.tenant_a)
    assert rerun.status == Status.SUCCEEDED and rerun.repos_ok == 4
    for repo in Repository.objects.filter(tenant=world.tenant_a):
        assert daily(repo)[DAY - timedelta(days=5)] == truth(gh, repo, DAY - timedelta(days=5))


def test_it_sleeps_through_a_short_rate_limit(gh, world, monkeypatch):
    def pause(seconds: float) -> None:
        waits.append(seconds)
        gh.reset_rate_limit()

    waits: list[float] = []
    monkeypatch.setattr(github, "pause", pause)
    gh.set_rate_limit(remaining=3, reset_in=20)
    run = collect(world.tenant_a, concurrency=1)
    assert run.status == Status.SUCCEEDED and waits and all(w <= 21 for w in waits)


def test_it_zero_fills_a_new_day_on_304(gh, world):
    quiet = follow(gh, world.tenant_a, "acme/quiet", visitors=0)
    collect(world.tenant_a)
    assert daily(quiet) == {DAY - timedelta(days=n): (0, 0, 0, 0) for n in range(15)}
    run = collect(world.tenant_a, day=DAY + timedelta(days=1))
    item = RunItem.objects.get(run=run, repository=quiet)
    assert item.not_modified == 4  # the four views/clones series are unchanged bodies
    assert daily(quiet)[DAY + timedelta(days=1)] == (0, 0, 0, 0) and len(daily(quiet)) == 16
    assert ReferrerSnapshot.objects.filter(repository=quiet).count() == 0


def test_it_keeps_one_snapshot_per_collection_day(gh, world):
    collect(world.tenant_a, hour=8)
    collect(world.tenant_a, hour=20)
    collect(world.tenant_a, day=DAY + timedelta(days=1))
    dates = set(ReferrerSnapshot.objects.filter(repository=world.repo_a).values_list("date", flat=True))
    assert dates == {DAY, DAY + timedelta(days=1)}
    assert ReferrerSnapshot.objects.filter(repository=world.repo_a, date=DAY).count() <= 10
    assert RepositoryMetrics.objects.filter(repository=world.repo_a).count() == 2


def test_it_follows_a_rename_and_updates_owner_and_name(gh, world):
    gh.rename_repo("acme/rocket", "rocketeers/booster")
    run = collect(world.tenant_a)
    assert run.status == Status.SUCCEEDED
    repo = Repository.objects.get(pk=world.repo_a.pk)
    assert (repo.owner, repo.name, repo.github_id) == ("rocketeers", "booster", 1001)
    assert len(daily(repo)) == 15
    assert collect(world.tenant_a).status == Status.SUCCEEDED


def test_it_refuses_a_different_repository_under_the_same_name(gh, world):
    gh.repos.pop("acme/rocket")
    gh.add_repo("acme/rocket", github_id=9999)
    run = collect(world.tenant_a)
    assert run.status == Status.FAILED and "different repository" in run.error_summary
    assert DailyTraffic.objects.count() == 0


def test_it_allows_one_run_per_tenant(gh, world):
    first = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    with pytest.raises(services.CollectionBusy, match=rf"collection already running for acme \(run {first.pk}\)"):
        services.collection_run_start(tenant=world.tenant_a, trigger="webhook", now=noon(DAY))
    assert CollectionRun.objects.filter(tenant=world.tenant_a).count() == 1
    other = services.collection_run_start(tenant=world.tenant_b, trigger="command", now=noon(DAY))
    assert other.status == Status.QUEUED
    services.collection_run_execute(run=first, now=noon(DAY))
    assert services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY)).pk > first.pk


def test_it_recovers_the_lock_of_a_dead_worker(gh, world):
    dead = services.collection_run_start(tenant=world.tenant_a, trigger="webhook", now=noon(DAY))
    # A worker picked it up, then died.
    CollectionRun.objects.filter(pk=dead.pk).update(status=Status.RUNNING, started=noon(DAY))
    with pytest.raises(services.CollectionBusy):
        services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY) + timedelta(minutes=5))
    fresh = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY) + timedelta(hours=1))
    dead.refresh_from_db()
    assert dead.status == Status.FAILED and "abandoned" in dead.error_summary
    assert CollectionLock.objects.get(tenant=world.tenant_a).run_id == fresh.pk


def test_it_loses_nothing_when_a_database_write_fails(gh, world, monkeypatch):
    repos = [follow(gh, world.tenant_a, f"acme/k{n}") for n in range(4)]
    real = store._metrics_store

    def flaky(*, repo_id, **kwargs):
        if repo_id == repos[2].pk:
            real(repo_id=repo_id, **kwargs)
            raise DatabaseError("disk I/O error")
        real(repo_id=repo_id, **kwargs)

    monkeypatch.setattr(store, "_metrics_store", flaky)
    run = collect(world.tenant_a, concurrency=1)
    assert run.status == Status.PARTIAL and "database error while storing" in run.error_summary
    assert daily(repos[2]) == {}  # its transaction rolled back whole
    assert RepositoryMetrics.objects.filter(repository=repos[2]).count() == 0
    monkeypatch.setattr(store, "_metrics_store", real)
    assert collect(world.tenant_a).status == Status.SUCCEEDED
    for repo in repos:
        assert daily(repo)[DAY - timedelta(days=2)] == truth(gh, repo, DAY - timedelta(days=2))


def test_it_completes_after_a_kill_mid_run(gh, world, monkeypatch):
    repos = [follow(gh, world.tenant_a, f"acme/k{n}") for n in range(4)]
    real = store._metrics_store
    stored: list[int] = []

    def killed(*, repo_id, **kwargs):
        if len(stored) == 2:
            raise KeyboardInterrupt  # the process dies in the middle of a repository's write
        stored.append(repo_id)
        real(repo_id=repo_id, **kwargs)

    monkeypatch.setattr(store, "_metrics_store", killed)
    with pytest.raises(KeyboardInterrupt):
        collect(world.tenant_a, concurrency=1)
    run = CollectionRun.objects.get()
    assert run.status == Status.RUNNING  # nobody finalized it: the lock is held until it goes stale
    assert RunItem.objects.filter(run=run, status=RunItem.Status.OK).count() == 2
    committed = everything()
    monkeypatch.setattr(store, "_metrics_store", real)
    with pytest.raises(services.CollectionBusy):
        collect(world.tenant_a, hour=12)
    rerun = collect(world.tenant_a, hour=14)  # two hours later the dead run is stale
    assert rerun.status == Status.SUCCEEDED and rerun.repos_ok == 5
    after = everything()
    # What the dead run committed is still there, value for value (GitHub's counts did not change).
    assert set(committed["daily"]) <= set(after["daily"])
    for repo in [world.repo_a, *repos]:
        rows = DailyTraffic.objects.filter(repository=repo)
        assert rows.count() == len({row.date for row in rows}) == 15  # nothing doubled
        assert daily(repo)[DAY - timedelta(days=1)] == truth(gh, repo, DAY - timedelta(days=1))


def test_it_lets_workers_share_a_run_and_finalizes_once(gh, world):
    for n in range(3):
        follow(gh, world.tenant_a, f"acme/w{n}")
    run = services.collection_run_start(tenant=world.tenant_a, trigger="webhook", now=noon(DAY))
    ids = list(RunItem.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    assert services.collection_items_collect(run_id=run.pk, item_ids=ids[:2], now=noon(DAY)) == 2
    run.refresh_from_db()
    assert run.status == Status.RUNNING
    # A duplicate delivery of the same batch finds nothing left to claim.
    assert services.collection_items_collect(run_id=run.pk, item_ids=ids[:2], now=noon(DAY)) == 0
    assert services.collection_items_collect(run_id=run.pk, item_ids=ids[2:], now=noon(DAY)) == 2
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED and run.repos_ok == 4 and run.api_requests == 28
    assert services.collection_items_collect(run_id=run.pk, item_ids=ids, now=noon(DAY)) == 0
    assert services.collection_run_finalize(run_id=run.pk).status == Status.SUCCEEDED


def test_it_finalizes_an_empty_run(gh, world):
    Repository.objects.filter(tenant=world.tenant_a).update(active=False)
    run = services.collection_run_start(tenant=world.tenant_a, trigger="webhook", now=noon(DAY))
    assert run.repos_total == 0
    assert services.collection_items_collect(run_id=run.pk, item_ids=[], now=noon(DAY)) == 0
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert CollectionLock.objects.get(tenant=world.tenant_a).run is None


def test_it_uses_the_credentials_api_url_override(gh, world, settings, monkeypatch):
    settings.GITHUB_API_URL = "http://127.0.0.1:9"  # nothing listens there
    # An override may only reach public addresses (tests/test_credential_api_url_ssrf.py); the fake is on 127.0.0.1.
    monkeypatch.setattr(egress, "address_refusal", lambda address: None)
    give_token(world.tenant_a, api_url=gh.url)
    assert collect(world.tenant_a).status == Status.SUCCEEDED


def test_it_fails_the_items_when_the_override_reaches_a_loopback_address(gh, world, settings):
    settings.GITHUB_API_URL = "http://127.0.0.1:9"
    give_token(world.tenant_a, api_url=gh.url)
    run = collect(world.tenant_a)
    assert run.status == Status.FAILED
    assert "127.0.0.1 is a loopback address" in RunItem.objects.get(run=run).error
    assert gh.request_count() == 0


def test_it_zero_fills_githubs_window_when_githubs_day_turned_over_first(gh, world):
    busy = follow(gh, world.tenant_a, "acme/busy", visitors=200)
    gh.set_today(DAY + timedelta(days=1), hour=1)
    served = gh.traffic_body(gh.repos["acme/busy"], "views", "day")["views"]
    assert served[-1]["timestamp"].startswith((DAY + timedelta(days=1)).isoformat())
    now = noon(DAY).replace(hour=23, minute=59)
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=now)
    assert services.collection_run_execute(run=run, now=now).status == Status.SUCCEEDED
    assert sorted(daily(busy)) == [DAY + timedelta(days=1 - n) for n in range(14, -1, -1)]


def test_it_learns_the_github_id_of_a_repository_added_by_name(gh, world):
    fake = gh.add_repo("acme/by-name")
    repo = Repository.objects.create(tenant=world.tenant_a, owner="acme", name="by-name")
    assert collect(world.tenant_a).status == Status.SUCCEEDED
    repo.refresh_from_db()
    assert repo.github_id == fake.github_id


def test_it_reports_a_rename_onto_a_name_the_tenant_already_follows(gh, world):
    follow(gh, world.tenant_a, "acme/engine")
    gh.repos.pop("acme/engine")  # engine was deleted on GitHub; rocket takes its name
    gh.rename_repo("acme/rocket", "acme/engine")
    run = collect(world.tenant_a)
    assert run.status == Status.FAILED
    assert "acme/rocket: moved on GitHub to acme/engine, which this tenant already follows" in run.error_summary
    assert "acme/engine: acme/engine now names a different repository" in run.error_summary
    assert Repository.objects.get(pk=world.repo_a.pk).full_name == "acme/rocket"


def test_it_counts_retried_requests_in_the_run(gh, world):
    gh.inject_fault("acme/rocket", "error500", times=2, endpoint="views")
    run = collect(world.tenant_a)
    assert run.status == Status.SUCCEEDED and run.api_requests == 9


def test_it_never_logs_the_token(gh, world, caplog, settings):
    import logging

    settings.GITHUB_TIMEOUT_SECONDS = 0.3
    caplog.set_level(logging.DEBUG)
    for n, fault in enumerate(("no_push_access", "error500", "timeout", "malformed", "truncated", "unauthorized")):
        follow(gh, world.tenant_a, f"acme/f{n}")
        gh.inject_fault(f"acme/f{n}", fault, seconds=1)
    run = collect(world.tenant_a)
    assert run.repos_failed == 6
    assert "GET /repos/acme/f1" in caplog.text  # urllib3 did log its requests
    assert TOKEN not in caplog.text and TOKEN not in run.error_summary
    assert all(TOKEN not in error for error in RunItem.objects.values_list("error", flat=True))
    assert all(TOKEN not in error for error in Repository.objects.values_list("last_error", flat=True))


def test_it_finishes_the_run_when_a_repository_is_removed_while_collected(gh, world, monkeypatch):
    engine = follow(gh, world.tenant_a, "acme/engine")
    follow(gh, world.tenant_a, "acme/zeppelin")
    real = services.repository_store

    def removed_meanwhile(*, item, fetched, now):
        if fetched.target.repository_id == engine.pk:
            Repository.objects.filter(pk=engine.pk).delete()  # its run item goes with it
        real(item=item, fetched=fetched, now=now)

    monkeypatch.setattr(services, "repository_store", removed_meanwhile)
    run = collect(world.tenant_a, concurrency=1)
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED and run.repos_total == 2 and run.repos_ok == 2
    assert CollectionLock.objects.get(tenant=world.tenant_a).run_id is None
    kept = Repository.objects.filter(tenant=world.tenant_a)
    assert sorted(r.full_name for r in kept) == ["acme/rocket", "acme/zeppelin"]
    for repo in kept:
        assert daily(repo)[DAY - timedelta(days=1)] == truth(gh, repo, DAY - timedelta(days=1))
    assert not RunItem.objects.filter(status__in=(RunItem.Status.PENDING, RunItem.Status.CLAIMED)).exists()


def test_it_keeps_a_queued_run_waiting_for_busy_workers(gh, world, settings):
    settings.COLLECT_STALE_SECONDS = 900
    settings.COLLECT_QUEUED_STALE_SECONDS = 6 * 3600
    queued = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    with pytest.raises(services.CollectionBusy):  # 20 minutes queued: workers are busy, not dead
        services.collection_run_start(tenant=world.tenant_a, trigger="command",
                                      now=noon(DAY) + timedelta(minutes=20))
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED
    # A task lost for good cannot hold the tenant forever.
    later = services.collection_run_start(tenant=world.tenant_a, trigger="command",
                                          now=noon(DAY) + timedelta(hours=6, minutes=1))
    queued.refresh_from_db()
    assert queued.status == Status.FAILED
    assert CollectionLock.objects.get(tenant=world.tenant_a).run_id == later.pk


def test_it_still_fails_a_running_run_without_heartbeat(gh, world, settings):
    settings.COLLECT_STALE_SECONDS = 900
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    CollectionRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, started=noon(DAY))
    services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY) + timedelta(minutes=20))
    run.refresh_from_db()
    assert run.status == Status.FAILED


def test_it_collects_next_days_snapshots_after_a_run_crossing_midnight(gh, world, monkeypatch):
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id, static_body=True)
    start = noon(DAY).replace(hour=23, minute=59, second=30)
    real_clock = services._clock

    def across_midnight(now):
        if now != start:
            return real_clock(now)
        calls = iter([start])
        return lambda: next(calls, start + timedelta(minutes=1))  # stored at 00:00:30 the next day

    monkeypatch.setattr(services, "_clock", across_midnight)
    gh.set_now(start)
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=start)
    services.collection_run_execute(run=run, concurrency=1, now=start)
    assert RepositoryMetrics.objects.filter(repository=world.repo_a, date=DAY).exists()

    nxt = DAY + timedelta(days=1)
    gh.set_today(nxt)
    collect(world.tenant_a, day=nxt, gh=gh)
    assert RepositoryMetrics.objects.filter(repository=world.repo_a, date=nxt).exists()
    assert ReferrerSnapshot.objects.filter(repository=world.repo_a, date=nxt).exists()
    # The snapshot bodies were asked for in full on their new day, not answered by a 304.
    assert gh.request_count(path_contains="/popular/", status=304) == 0
