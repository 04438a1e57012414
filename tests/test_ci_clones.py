"""CI-clone estimates against known workflow runs: reading the runs (cheapest query per case), the estimate
per day, week and month, the API fields, and the per-repository switch."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from repos.ci_estimate import repository_ci_estimate_set
from repos.github import GitHubClient
from repos.models import Repository
from stats.collection import optional, rollups, services
from stats.collection.planner import Group, RepositoryState, collection_plan
from stats.models import CollectionRun, DailyTraffic, WorkflowRunDay
from tests.collection_support import TOKEN, follow, give_token

TODAY = date(2026, 3, 10)
BASE = "/api/v1/t/acme/repos/acme/rocket"


def runs_on(repo: Repository) -> dict[date, int]:
    return dict(WorkflowRunDay.objects.filter(repository=repo).values_list("date", "workflow_runs"))


def read_runs(gh, repo: Repository, day: date) -> optional.OptionalFetch:
    repo.refresh_from_db()
    target = optional.optional_target(repo, (Group.CI_RUNS,), day)
    with GitHubClient(token=TOKEN, base_url=gh.url) as client:
        fetched = optional.optional_fetch(client=client, target=target, full_name=repo.full_name)
    optional.optional_store(repo_id=repo.pk, fetched=fetched, today=day)
    repo.refresh_from_db()
    return fetched


@pytest.fixture
def ci_repo(fake_github, world):
    give_token(world.tenant_a)
    Repository.objects.filter(tenant=world.tenant_a).delete()
    repo = follow(fake_github, world.tenant_a, "acme/builder")
    repo.ci_runs_enabled = True
    repo.ci_runs_fetched_through = TODAY - timedelta(days=6)  # days due: TODAY-5 .. TODAY-1
    repo.save()
    fake_github.set_today(TODAY, hour=12)
    return repo


# --- the fake GitHub ----------------------------------------------------------------------------------
def test_it_filters_runs_by_created_day_as_github_does(fake_github, ci_repo):
    fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=2), 3)
    fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=1), 2, event="pull_request")
    with GitHubClient(token=TOKEN, base_url=fake_github.url) as client:
        day = client.get("/repos/acme/builder/actions/runs",
                         params={"created": (TODAY - timedelta(days=2)).isoformat(), "per_page": 1}).data
        both = client.get("/repos/acme/builder/actions/runs",
                          params={"created": f"{TODAY - timedelta(days=2)}..{TODAY}", "per_page": 100}).data
        bad = client.session.get(f"{fake_github.url}/repos/acme/builder/actions/runs?created=yesterday",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    assert day["total_count"] == 3 and len(day["workflow_runs"]) == 1
    assert both["total_count"] == 5 and both["workflow_runs"][0]["event"] == "pull_request"  # newest first
    assert {"id", "created_at", "event", "status", "conclusion", "name"} <= set(both["workflow_runs"][0])
    assert bad.status_code == 422


# --- reading the runs -----------------------------------------------------------------------------------
def test_it_reads_a_quiet_week_of_runs_in_one_request(fake_github, ci_repo):
    known = {TODAY - timedelta(days=5): 4, TODAY - timedelta(days=3): 11, TODAY - timedelta(days=1): 7}
    for day, count in known.items():
        fake_github.actions.add_runs("acme/builder", day, count)
    fake_github.actions.add_runs("acme/builder", TODAY, 9)  # today is not complete: not read
    read_runs(fake_github, ci_repo, TODAY)
    expected = {TODAY - timedelta(days=n): known.get(TODAY - timedelta(days=n), 0) for n in range(1, 6)}
    assert runs_on(ci_repo) == expected  # days without runs are real zeros
    assert fake_github.request_count(path_contains="/actions/runs") == 1
    assert ci_repo.ci_runs_fetched_through == TODAY - timedelta(days=1)
    assert optional.optional_requests(ci_repo, TODAY) == {Group.STARGAZERS: optional.STARGAZER_PAGES_PER_RUN}


def test_it_counts_a_busy_repository_day_by_day(fake_github, ci_repo):
    for n in range(1, 6):
        fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=n), 40 * n)  # 600 runs
    read_runs(fake_github, ci_repo, TODAY)
    assert runs_on(ci_repo) == {TODAY - timedelta(days=n): 40 * n for n in range(1, 6)}
    # The range query said 600 (more than a page), then one per_page=1 query per day: 6, not 7 pages of 100.
    assert fake_github.request_count(path_contains="/actions/runs") == 6


def test_it_reads_yesterday_alone_with_one_request_whatever_the_volume(fake_github, ci_repo):
    ci_repo.ci_runs_fetched_through = TODAY - timedelta(days=2)
    ci_repo.save()
    fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=1), 250)
    assert optional.optional_requests(ci_repo, TODAY)[Group.CI_RUNS] == 1
    read_runs(fake_github, ci_repo, TODAY)
    assert runs_on(ci_repo) == {TODAY - timedelta(days=1): 250}
    assert fake_github.request_count(path_contains="/actions/runs") == 1


def test_it_stops_within_its_allowance_and_goes_on_later(fake_github, ci_repo, monkeypatch):
    monkeypatch.setattr(optional, "CI_RUNS_MAX_REQUESTS", 3)
    for n in range(1, 6):
        fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=n), 101)
    read_runs(fake_github, ci_repo, TODAY)
    assert sorted(runs_on(ci_repo)) == [TODAY - timedelta(days=5), TODAY - timedelta(days=4)]
    read_runs(fake_github, ci_repo, TODAY)
    read_runs(fake_github, ci_repo, TODAY)
    assert runs_on(ci_repo) == {TODAY - timedelta(days=n): 101 for n in range(1, 6)}


def test_it_wants_no_runs_when_the_estimate_is_off(ci_repo):
    ci_repo.ci_runs_enabled = False
    assert Group.CI_RUNS not in optional.optional_requests(ci_repo, TODAY)


# --- the planner ----------------------------------------------------------------------------------------
def state(repo_id: int, *, fetched: date | None, ci: int) -> RepositoryState:
    return RepositoryState(repo_id, f"acme/r{repo_id}", {group: fetched for group in Group if group not in (
        Group.STARGAZERS, Group.CI_RUNS)}, optional={Group.CI_RUNS: ci})


def test_it_plans_ci_runs_only_with_budget_left_after_the_traffic(ci_repo):
    stale = [state(n, fetched=TODAY - timedelta(days=1), ci=1) for n in range(3)]
    ample = collection_plan(states=stale, today=TODAY, budget=3 * 7 + 3)
    assert all(Group.CI_RUNS in planned.groups for planned in ample.repositories)
    short = collection_plan(states=stale, today=TODAY, budget=3 * 7 + 1)
    assert [Group.CI_RUNS in planned.groups for planned in short.repositories] == [True, False, False]
    assert short.requests_planned == 3 * 7 + 1
    # A budget that does not cover the traffic due plans no optional work at all.
    lossless = collection_plan(states=stale, today=TODAY, budget=20)
    assert not any(Group.CI_RUNS in planned.groups for planned in lossless.repositories)
    unknown = collection_plan(states=stale, today=TODAY, budget=None)
    assert not any(Group.CI_RUNS in planned.groups for planned in unknown.repositories)
    # Fresh repositories are not fetched for their optional groups alone.
    fresh = collection_plan(states=[state(9, fetched=TODAY, ci=1)], today=TODAY, budget=1000)
    assert fresh.repositories == []


def test_it_reads_runs_in_a_planned_run(fake_github, ci_repo):
    fake_github.actions.add_runs("acme/builder", TODAY - timedelta(days=1), 5)
    with time_machine.travel(datetime(2026, 3, 10, 1, tzinfo=UTC), tick=False):
        CollectionRun.objects.create(tenant=ci_repo.tenant, trigger="command", status="succeeded",
                                     rate_limit_remaining=5000, rate_limit_limit=5000)
        run = services.collection_run_start(tenant=ci_repo.tenant, trigger=CollectionRun.Trigger.SCHEDULE)
        run = services.collection_run_execute(run=run)
    assert run.status == CollectionRun.Status.SUCCEEDED and "ci_runs" in run.items.get().groups
    assert runs_on(ci_repo)[TODAY - timedelta(days=1)] == 5


# --- the estimate -------------------------------------------------------------------------------------
def traffic(repo: Repository, clones: dict[str, int]) -> None:
    for day, count in clones.items():
        DailyTraffic.objects.create(repository=repo, date=date.fromisoformat(day), views=count, unique_views=1,
                                    clones=count, unique_clones=1)
    rollups.rollups_rebuild(tenant_ids=[repo.tenant_id])


@pytest.fixture
def rocket(world):
    repository_ci_estimate_set(repository=world.repo_a, enabled=True, checkouts_per_run=Decimal(1))
    traffic(world.repo_a, {"2026-03-02": 30, "2026-03-03": 4, "2026-03-04": 10, "2026-03-09": 8})
    for day, count in {"2026-03-02": 12, "2026-03-03": 9, "2026-03-04": 0}.items():
        WorkflowRunDay.objects.create(repository=world.repo_a, date=date.fromisoformat(day), workflow_runs=count)
    return world.repo_a


def api(world, **params):
    return world.client_for(world.viewer_a).get(f"{BASE}/traffic/", params)


def test_it_estimates_human_clones_per_day_from_known_runs(world, rocket):
    body = api(world, **{"from": "2026-03-02", "to": "2026-03-09"}).json()
    by_day = {p["date"]: (p["clones"], p["ci_clones_estimate"], p["clones_human_estimate"]) for p in body["results"]}
    assert by_day["2026-03-02"] == (30, 12, 18)
    assert by_day["2026-03-03"] == (4, 9, 0)  # more runs than clones: never below zero
    assert by_day["2026-03-04"] == (10, 0, 10)
    assert by_day["2026-03-09"] == (8, None, None)  # no run count for the day: unknown, not zero
    assert by_day["2026-03-05"] == (None, None, None)
    assert body["totals"]["ci_clones_estimate"] == 21 and body["totals"]["clones_human_estimate"] == 28


def test_it_estimates_a_week_only_when_every_day_with_traffic_has_runs(world, rocket):
    body = api(world, **{"from": "2026-03-02", "to": "2026-03-15", "interval": "week"}).json()
    weeks = {p["date"]: (p["clones"], p["ci_clones_estimate"], p["clones_human_estimate"]) for p in body["results"]}
    assert weeks["2026-03-02"] == (44, 21, 28)  # per-day floors, summed (not 44 - 21)
    assert weeks["2026-03-09"] == (8, None, None)


def test_it_applies_the_checkouts_per_run_factor(world, rocket):
    repository_ci_estimate_set(repository=rocket, enabled=True, checkouts_per_run=Decimal("0.5"))
    body = api(world, **{"from": "2026-03-02", "to": "2026-03-03"}).json()
    assert [(p["ci_clones_estimate"], p["clones_human_estimate"]) for p in body["results"]] == [(6, 24), (5, 0)]


def test_it_answers_null_estimates_when_the_estimate_is_off(world, rocket):
    repository_ci_estimate_set(repository=rocket, enabled=False, checkouts_per_run=Decimal(1))
    body = api(world, **{"from": "2026-03-02", "to": "2026-03-03"}).json()
    assert {(p["ci_clones_estimate"], p["clones_human_estimate"]) for p in body["results"]} == {(None, None)}
    assert body["totals"]["ci_clones_estimate"] is None
    header = next(csv.reader(io.StringIO(api(world, format="csv").content.decode())))
    assert "ci_clones_estimate" not in header


def test_it_adds_the_estimate_columns_to_the_csv_when_on(world, rocket):
    rows = list(csv.reader(io.StringIO(api(world, **{"from": "2026-03-02", "to": "2026-03-02",
                                                     "format": "csv"}).content.decode())))
    assert rows[0][-2:] == ["ci_clones_estimate", "clones_human_estimate"] and rows[1][-2:] == ["12", "18"]


def test_it_shows_the_estimate_labelled_with_its_method_on_the_repository_page(world, rocket):
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        html = world.client_for(world.viewer_a).get("/t/acme/repos/acme/rocket/", {"period": "30d"}).content.decode()
    assert 'id="ci-clones"' in html and "Clones (estimated human)" in html and ">estimated<" in html
    assert 'title="Estimate: GitHub Actions workflow runs' in html
    assert "ci-estimate-form" not in html  # viewers see the estimate, not the switch


# --- the switch -----------------------------------------------------------------------------------------
def test_it_lets_a_maintainer_switch_the_estimate_and_set_the_factor(world):
    url = "/t/acme/repos/acme/rocket/ci-estimate/"
    response = world.client_for(world.maintainer).post(url, {"enabled": "1", "checkouts_per_run": "2"})
    assert response.status_code == 302 and response["Location"] == "/t/acme/repos/acme/rocket/"
    world.repo_a.refresh_from_db()
    assert world.repo_a.ci_runs_enabled and world.repo_a.ci_checkouts_per_run == Decimal(2)
    bad = world.client_for(world.maintainer).post(url, {"enabled": "1", "checkouts_per_run": "-1"}, follow=True)
    assert "checkouts per run" in bad.content.decode()
    world.repo_a.refresh_from_db()
    assert world.repo_a.ci_checkouts_per_run == Decimal(2)
    world.client_for(world.maintainer).post(url, {"checkouts_per_run": "2"})
    world.repo_a.refresh_from_db()
    assert not world.repo_a.ci_runs_enabled


def test_it_refuses_the_switch_to_viewers_and_other_tenants(world):
    viewer = world.client_for(world.viewer_a).post("/t/acme/repos/acme/rocket/ci-estimate/", {"enabled": "1",
                                                                                             "checkouts_per_run": "1"})
    other = world.client_for(world.owner_a).post("/t/acme/repos/globex/secret-plans/ci-estimate/",
                                                 {"enabled": "1", "checkouts_per_run": "1"})
    assert viewer.status_code == 403 and other.status_code == 404
    assert not Repository.objects.filter(ci_runs_enabled=True).exists()
