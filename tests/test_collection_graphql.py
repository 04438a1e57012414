"""Repository metadata over GraphQL: up to 100 repositories per query, GraphQL's own budget, REST fallback."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from devtools.fake_github_types import Fault
from repos.github import GitHubClient
from repos.github_graphql import METADATA_QUERY, graphql_url, repositories_metadata
from repos.models import Repository
from stats.collection import planner, services
from stats.collection.fetch import RepoTarget, metadata_prefetch
from stats.models import CollectionRun, RepositoryMetrics
from tests.collection_support import TOKEN, follow, give_token, noon

pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def _post(gh, ids: list[str]) -> requests.Response:
    return requests.post(f"{gh.url}/graphql", json={"query": METADATA_QUERY, "variables": {"ids": ids}},
                         headers=HEADERS, timeout=5)


def test_it_answers_nodes_in_githubs_shape_with_null_nodes_and_errors_for_unknown_ids(fake_github):
    gh = fake_github
    rocket = gh.add_repo("acme/rocket")
    gh.add_repo("acme/other")
    rest = requests.get(f"{gh.url}/repos/acme/rocket", headers=HEADERS, timeout=5)
    answer = _post(gh, [f"R_{rocket.github_id}", "R_999999999"])
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-resource"] == "graphql"
    assert answer.headers["x-ratelimit-limit"] == "5000" and answer.headers["x-ratelimit-remaining"] == "4999"
    body = answer.json()
    node, missing = body["data"]["nodes"]
    assert missing is None
    assert body["errors"] == [{
        "type": "NOT_FOUND", "path": ["nodes", 1], "locations": [{"line": 2, "column": 3}],
        "message": "Could not resolve to a node with the global id of 'R_999999999'",
    }]
    assert node["id"] == rest.json()["node_id"] and node["databaseId"] == rocket.github_id
    assert node["nameWithOwner"] == "acme/rocket"
    assert node["stargazerCount"] == rest.json()["stargazers_count"]
    assert node["watchers"] == {"totalCount": rest.json()["subscribers_count"]}
    assert node["issues"]["totalCount"] == rest.json()["open_issues_count"]
    assert node["diskUsage"] == rest.json()["size"] and node["forkCount"] == rest.json()["forks_count"]
    # GraphQL's points are not the REST budget: core's remaining did not move.
    again = requests.get(f"{gh.url}/repos/acme/other", headers=HEADERS, timeout=5)
    assert int(again.headers["x-ratelimit-remaining"]) == int(rest.headers["x-ratelimit-remaining"]) - 1


def test_it_refuses_more_than_100_ids_and_answers_rate_limited_when_graphqls_budget_is_spent(fake_github):
    gh = fake_github
    too_many = _post(gh, [f"R_{n}" for n in range(101)]).json()
    assert too_many["data"] is None and "100" in too_many["errors"][0]["message"]
    gh.set_rate_limit(remaining=0, resource="graphql")
    spent = _post(gh, ["R_1"])
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert spent.json()["errors"][0]["type"] == "RATE_LIMITED"
    # The REST budget is still whole.
    assert requests.get(f"{gh.url}/user/repos", headers=HEADERS, timeout=5).status_code == 200


def test_it_reads_metadata_of_many_repositories_in_one_query_with_its_own_budget(fake_github):
    gh = fake_github
    repos = [gh.add_repo(f"acme/r{n}") for n in range(3)]
    client = GitHubClient(token=TOKEN, base_url=gh.url)
    found = repositories_metadata(client, [f"R_{r.github_id}" for r in repos] + ["R_1"])
    assert found["R_1"] is None
    assert [found[f"R_{r.github_id}"].stars for r in repos] == [gh.star_count(r.full_name) for r in repos]
    assert gh.request_count(path_contains="/graphql") == 1
    assert client.graphql_budget.remaining == 4999 and client.budget.remaining is None


def test_it_finds_graphql_next_to_rest_on_github_and_on_enterprise_server():
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"


def _targets(repos, groups=planner.ALL_GROUPS) -> list[RepoTarget]:
    return [RepoTarget(n, n, r.full_name, r.github_id, {}, groups, node_id=f"R_{r.github_id}")
            for n, r in enumerate(repos)]


def test_it_batches_metadata_100_repositories_per_query(fake_github):
    gh = fake_github
    targets = _targets([gh.add_repo(f"acme/b{n:03d}") for n in range(205)])
    targets.append(RepoTarget(999, 999, "acme/no-node", None, {}, planner.ALL_GROUPS))  # no node id yet
    client = GitHubClient(token=TOKEN, base_url=gh.url)
    assert metadata_prefetch(client=client, targets=targets) == 3  # ceil(205 / 100)
    assert gh.request_count(path_contains="/graphql") == 3
    assert all(t.metadata is not None for t in targets[:-1]) and targets[-1].metadata is None
    assert targets[7].metadata["stargazers_count"] == gh.star_count(targets[7].full_name)


def test_it_falls_back_to_rest_for_a_failed_query_an_unknown_id_or_a_renamed_repository(fake_github):
    gh = fake_github
    repos = [gh.add_repo(f"acme/f{n}") for n in range(3)]
    client = GitHubClient(token=TOKEN, base_url=gh.url)
    gh.graphql_faults.append(Fault("error500", times=1))
    targets = _targets(repos)
    metadata_prefetch(client=client, targets=targets)
    assert all(t.metadata is None and not t.metadata_deferred for t in targets)  # REST will fetch them

    targets = _targets(repos)
    targets[0].node_id = "R_424242"  # GitHub no longer knows it
    gh.rename_repo("acme/f1", "acme/f1-renamed")  # the REST call follows the 301 and renames the row
    metadata_prefetch(client=client, targets=targets)
    assert [t.metadata is not None for t in targets] == [False, False, True]


def test_it_collects_metadata_over_graphql_once_the_node_id_is_known(fake_github, world):
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    follow(gh, world.tenant_a, "acme/second")
    gh.set_today(DAY)
    first = services.collection_run_execute(
        run=services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY)), now=noon(DAY))
    # The first run reads the node ids from REST's repository answer.
    assert first.api_requests == 2 * 7 and gh.request_count(path_contains="/graphql") == 0
    assert set(Repository.objects.filter(tenant=world.tenant_a).values_list("node_id", flat=True)) == {
        f"R_{r.github_id}" for r in Repository.objects.filter(tenant=world.tenant_a)
    }
    next_day = date(2026, 3, 5)
    gh.set_today(next_day)
    before = gh.request_count(path_contains="/repos/")
    second = services.collection_run_execute(
        run=services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(next_day)),
        now=noon(next_day))
    assert second.status == CollectionRun.Status.SUCCEEDED
    assert second.api_requests == 2 * 6  # metadata came over GraphQL: one query for both
    assert gh.request_count(path_contains="/graphql") == 1
    assert gh.request_count(path_contains="/repos/") - before == 2 * 6
    metrics = RepositoryMetrics.objects.get(repository=world.repo_a, date=next_day)
    assert metrics.stars == gh.star_count("acme/rocket")
    world.repo_a.refresh_from_db()
    assert world.repo_a.metadata_fetched_on == next_day


def test_it_leaves_metadata_for_later_when_graphqls_budget_is_spent(fake_github, world):
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    Repository.objects.filter(pk=world.repo_a.pk).update(node_id=f"R_{world.repo_a.github_id}")
    gh.set_rate_limit(remaining=0, resource="graphql")
    gh.set_today(DAY)
    run = services.collection_run_execute(
        run=services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY)), now=noon(DAY))
    assert run.status == CollectionRun.Status.SUCCEEDED and run.api_requests == 6  # no REST spent instead
    assert gh.request_count(path_contains="/repos/acme/rocket", status=200) == 6
    world.repo_a.refresh_from_db()
    assert world.repo_a.metadata_fetched_on is None and world.repo_a.day_series_fetched_on == DAY


def _state(n: int, *, graphql: bool) -> planner.RepositoryState:
    return planner.RepositoryState(n, f"o/r{n:03d}", dict.fromkeys(planner.ALL_GROUPS, DAY.replace(day=3)),
                                   graphql_metadata=graphql)


def test_it_counts_metadata_against_graphql_not_the_rest_budget():
    with_ids = [_state(n, graphql=True) for n in range(150)]
    plan = planner.collection_plan(states=with_ids, today=DAY, budget=None)
    assert plan.requests_planned == 150 * 6 and plan.requests_for_freshness == 150 * 6
    assert plan.graphql_planned == 2 and "2 GraphQL queries" in plan.summary()
    assert {p.requests for p in plan.repositories} == {6}

    without = planner.collection_plan(states=[_state(n, graphql=False) for n in range(150)], today=DAY, budget=None)
    assert without.requests_planned == 150 * 7 and without.graphql_planned == 0

    # One GraphQL point covers 100 repositories' metadata; the other 50 go to REST.
    capped = planner.collection_plan(states=with_ids, today=DAY, budget=None, graphql_budget=1)
    assert capped.requests_planned == 150 * 6 + 50 and capped.graphql_planned == 1

    # A short REST budget still gets every stale metadata refresh: they cost it nothing.
    short = planner.collection_plan(states=with_ids, today=DAY, budget=12)
    planned_metadata = sum(planner.Group.METADATA in p.groups for p in short.repositories)
    assert short.requests_planned == 12 and planned_metadata == 150


def test_it_counts_graphql_metadata_apart_on_the_capacity_page(world):
    from stats.collection.capacity import capacity_overview
    from tenants.access import TenantAccess

    access = TenantAccess(tenant=world.tenant_a, role="admin")
    before = capacity_overview(access=access, today=DAY)
    assert before.requests_per_day_fresh == 7  # acme/rocket alone (rocket_only)
    Repository.objects.filter(pk=world.repo_a.pk).update(node_id="R_1")
    after = capacity_overview(access=access, today=DAY)
    assert after.requests_per_day_fresh == 6
    assert after.requests_per_day_floor <= before.requests_per_day_floor
