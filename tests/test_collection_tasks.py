"""django-q2 tasks: batches of one run collected by separate task calls (as several workers would),
the last one finalizing; the same data and totals as one inline collection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from repos.models import Repository
from stats.collection import scheduling, tasks
from stats.collection.services import collection_run_execute, collection_run_start
from stats.models import CollectionRun, DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tests.collection_support import give_token

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
NAMES = [f"shared/repo{i}" for i in range(5)]


@pytest.fixture
def two_tenants(world, fake_github, settings):
    """Tenants A and B both follow the same five fake repositories (A's own repo is switched off)."""
    settings.COLLECT_BATCH_SIZE = 2
    fake_github.set_now(NOW)
    Repository.objects.filter(pk__in=[world.repo_a.pk, world.repo_b.pk]).update(active=False)
    for tenant in (world.tenant_a, world.tenant_b):
        give_token(tenant)
    for full_name in NAMES:
        fake = fake_github.add_repo(full_name)
        owner, name = full_name.split("/")
        for tenant in (world.tenant_a, world.tenant_b):
            Repository.objects.create(tenant=tenant, owner=owner, name=name, github_id=fake.github_id)
    return world


def stored(tenant) -> dict[str, list[tuple]]:
    def rows(model, *fields):
        return sorted(model.objects.filter(repository__tenant=tenant).values_list(
            "repository__owner", "repository__name", *fields))

    return {
        "daily": rows(DailyTraffic, "date", "views", "unique_views", "clones", "unique_clones"),
        "weekly": rows(WeeklyTraffic, "week_start", "views", "unique_views", "clones", "unique_clones"),
        "referrers": rows(ReferrerSnapshot, "date", "referrer", "count", "uniques"),
        "paths": rows(PathSnapshot, "date", "path", "count", "uniques"),
        "metrics": rows(RepositoryMetrics, "date", "stars", "forks", "watchers"),
    }


def totals(run: CollectionRun) -> tuple:
    run.refresh_from_db()
    return (run.status, run.repos_total, run.repos_ok, run.repos_failed, run.days_stored, run.api_requests,
            run.not_modified)


def test_it_splits_a_run_into_batches_and_the_last_batch_finalizes(two_tenants, queued,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = scheduling.collection_request(tenant=two_tenants.tenant_a, trigger="webhook", now=NOW)
    assert [len(call[2]) for call in queued] == [2, 2, 1]
    # Workers pick batches in any order; until the last one is done the run stays active.
    with time_machine.travel(NOW):
        for _, run_id, item_ids in reversed(queued[1:]):
            assert tasks.collect_items(run_id, item_ids) == len(item_ids)
            run.refresh_from_db()
            assert run.status == CollectionRun.Status.RUNNING
        _, run_id, item_ids = queued[0]
        assert tasks.collect_items(run_id, item_ids) == 2
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.SUCCEEDED
    assert (run.repos_total, run.repos_ok, run.repos_failed) == (5, 5, 0)
    # A repeated (redelivered) batch does nothing.
    assert tasks.collect_items(run_id, item_ids) == 0


def test_it_stores_the_same_data_and_totals_as_one_inline_collection(two_tenants, queued,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batched, _ = scheduling.collection_request(tenant=two_tenants.tenant_a, trigger="webhook", now=NOW)
    with time_machine.travel(NOW):
        for _, run_id, item_ids in queued:
            tasks.collect_items(run_id, item_ids)
    inline = collection_run_start(tenant=two_tenants.tenant_b, trigger="command", now=NOW)
    collection_run_execute(run=inline, now=NOW)
    assert totals(batched) == totals(inline)
    assert totals(batched)[0] == CollectionRun.Status.SUCCEEDED
    assert stored(two_tenants.tenant_a) == stored(two_tenants.tenant_b)
    assert len(stored(two_tenants.tenant_a)["daily"]) == 5 * 15


def test_it_closes_a_run_with_nothing_to_collect_through_an_empty_batch(world, queued):
    run = collection_run_start(tenant=world.tenant_a, trigger="webhook", repositories=[], now=NOW)
    scheduling.collection_run_enqueue(run=run, batches=[])
    assert [call[1:] for call in queued] == [(run.pk, [])]
    assert tasks.collect_items(run.pk, []) == 0
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.SUCCEEDED and run.finished is not None
