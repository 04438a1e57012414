"""Batches of one run reserve the credential's budget in the database: together they never plan beyond it."""

from __future__ import annotations

from datetime import date

import pytest

from repos.github import GitHubClient
from stats.collection import services
from stats.collection.reservations import budget_release, budget_reserve, item_requests
from stats.models import CollectionLock, RunItem
from tests.collection_support import TOKEN, follow, give_token, noon

pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)


def _items(world, gh, count: int) -> list[RunItem]:
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    for n in range(count - 1):
        follow(gh, world.tenant_a, f"acme/r{n}")
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    return list(RunItem.objects.filter(run=run).select_related("repository").order_by("priority"))


def test_it_grants_each_batch_only_what_the_others_left(fake_github, world, settings):
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 0
    fake_github.set_rate_limit(remaining=30, reset_in=3600)
    items = _items(world, fake_github, 6)
    assert {item_requests(item) for item in items} == {7}
    first = budget_reserve(tenant_id=world.tenant_a.pk, client=GitHubClient(token=TOKEN), items=items[:3])
    second = budget_reserve(tenant_id=world.tenant_a.pk, client=GitHubClient(token=TOKEN), items=items[3:])
    assert len(first.granted) == 3 and first.requests == 21
    # GitHub still says 30 (nothing was sent; /rate_limit is free), but 21 are promised to the first batch.
    assert [i.pk for i in second.granted] == [items[3].pk] and len(second.denied) == 2
    assert second.reset is not None
    assert CollectionLock.objects.get(tenant=world.tenant_a).budget_reserved == 28
    budget_release(reservation=first, item_id=items[0].pk)
    assert CollectionLock.objects.get(tenant=world.tenant_a).budget_reserved == 21
    budget_release(reservation=first)
    budget_release(reservation=second)
    assert CollectionLock.objects.get(tenant=world.tenant_a).budget_reserved == 0
    assert fake_github.request_count(status=200) == 2 and fake_github.request_count(path_contains="/rate_limit") == 2


def test_it_counts_metadata_read_over_graphql_as_free(fake_github, world):
    items = _items(world, fake_github, 1)
    items[0].repository.node_id = "R_1"
    assert item_requests(items[0]) == 6


def test_it_reserves_nothing_when_github_has_no_rate_limit_or_the_reset_is_near(fake_github, world, settings):
    items = _items(world, fake_github, 3)
    fake_github.set_rate_limit(remaining=0, reset_in=20)
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 60  # the client sleeps through a 20 s wait: no reason to skip
    near = budget_reserve(tenant_id=world.tenant_a.pk, client=GitHubClient(token=TOKEN), items=items)
    assert len(near.granted) == 3 and near.requests == 0

    class NoRateLimit(GitHubClient):  # GitHub Enterprise Server with rate limiting off: /rate_limit is 404
        def rate_limit(self) -> int | None:
            return None

    free = budget_reserve(tenant_id=world.tenant_a.pk, client=NoRateLimit(token=TOKEN), items=items)
    assert len(free.granted) == 3 and not free.denied


def test_it_skips_what_does_not_fit_as_rate_limited_without_a_403(fake_github, world, settings):
    settings.COLLECT_MAX_RATE_LIMIT_WAIT = 0
    items = _items(world, fake_github, 4)
    fake_github.set_rate_limit(remaining=16, reset_in=3600)
    run = services.collection_run_execute(run=items[0].run, concurrency=2, now=noon(DAY))
    assert run.status == "rate_limited" and run.repos_ok == 2 and run.rate_limited_until is not None
    assert fake_github.request_count(status=403) == 0
    assert CollectionLock.objects.get(tenant=world.tenant_a).budget_reserved == 0
