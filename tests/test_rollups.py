"""Rollups through the real paths: collection runs, removal, deactivation, tenant deletion, command, migration."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from repos.models import Repository
from repos.services import repository_remove, repository_set_active
from stats.collection import services
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, RepositoryMonthlyRollup, TenantDailyRollup
from stats.traffic import rollup_selectors, selectors
from stats.traffic.periods import DateRange
from tenants.access import TenantAccess
from tenants.models import Role, Tenant
from tests.collection_support import follow, give_token, noon

DAY = date(2026, 3, 4)


@pytest.fixture
def gh(fake_github, world):
    give_token(world.tenant_a)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.set_today(DAY)
    return fake_github


def collect(tenant: Tenant, day: date) -> None:
    run = services.collection_run_start(tenant=tenant, trigger="command", now=noon(day))
    services.collection_run_execute(run=run, concurrency=2, now=noon(day))


def rows(tenant: Tenant) -> list[tuple]:
    return list(TenantDailyRollup.objects.filter(tenant=tenant).order_by("date").values_list(
        "date", "views", "clones", "peak_unique_views", "peak_unique_clones", "repos_covered"))


def months(tenant: Tenant) -> list[tuple]:
    return list(RepositoryMonthlyRollup.objects.filter(repository__tenant=tenant).order_by("repository", "month")
                .values_list("repository_id", "month", "views", "clones", "days"))


def raw_access(tenant: Tenant) -> TenantAccess:
    """Limited to every repository: the raw path, which the rollups must match."""
    ids = frozenset(Repository.objects.filter(tenant=tenant).values_list("pk", flat=True))
    return TenantAccess(tenant=tenant, role=Role.ADMIN, repository_ids=ids)


def test_it_keeps_rollups_in_step_with_collection_runs_day_after_day(gh, world):
    follow(gh, world.tenant_a, "acme/lib")
    for offset in range(3):
        collect(world.tenant_a, DAY + timedelta(days=offset))
        gh.set_today(DAY + timedelta(days=offset + 1))
    maintained = rows(world.tenant_a), months(world.tenant_a)
    assert maintained[0] and maintained[0][-1][5] == 2  # both repositories covered the last day
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    assert (rows(world.tenant_a), months(world.tenant_a)) == maintained
    period = DateRange(start=DAY - timedelta(days=20), end=DAY + timedelta(days=2), interval="day")
    full = TenantAccess.full(world.tenant_a)
    assert selectors.dashboard_cards(access=full, period=period) == selectors.dashboard_cards(
        access=raw_access(world.tenant_a), period=period)


def test_it_drops_a_removed_repositorys_history_from_the_rollups(gh, world):
    lib = follow(gh, world.tenant_a, "acme/lib", visitors=400)
    collect(world.tenant_a, DAY)
    before = rows(world.tenant_a)
    assert {row[5] for row in before} == {2}
    repository_remove(repository=lib)
    after = rows(world.tenant_a)
    assert {row[5] for row in after} == {1}
    only_rocket = {row.date: row for row in DailyTraffic.objects.filter(repository=world.repo_a)}
    assert [(row[0], row[1], row[3]) for row in after] == [
        (day, only_rocket[day].views, only_rocket[day].unique_views) for day in sorted(only_rocket)
    ]
    assert not RepositoryMonthlyRollup.objects.filter(repository_id=lib.pk).exists()


def test_it_keeps_counting_a_deactivated_repository_as_the_dashboard_did(gh, world):
    lib = follow(gh, world.tenant_a, "acme/lib")
    collect(world.tenant_a, DAY)
    before = rows(world.tenant_a)
    repository_set_active(repository=lib, active=False)
    assert rows(world.tenant_a) == before
    period = DateRange(start=DAY - timedelta(days=14), end=DAY, interval="day")
    full = TenantAccess.full(world.tenant_a)
    assert selectors.tenant_traffic_series(access=full, interval="day", start=period.start, end=period.end) == (
        selectors.tenant_traffic_series(access=raw_access(world.tenant_a), interval="day", start=period.start,
                                        end=period.end))
    totals = selectors.tenant_repository_totals(access=full, start=period.start, end=period.end)
    assert lib.pk in {item.repository.pk for item in totals}


def test_it_deletes_a_tenant_with_rollups_without_recomputing_them(gh, world):
    collect(world.tenant_a, DAY)
    assert rows(world.tenant_a)
    world.tenant_a.delete()
    assert not TenantDailyRollup.objects.exists() and not RepositoryMonthlyRollup.objects.exists()


def test_it_reads_the_covered_repositories_per_day(gh, world):
    follow(gh, world.tenant_a, "acme/lib")
    collect(world.tenant_a, DAY)
    covered = rollup_selectors.tenant_repos_covered(access=TenantAccess.full(world.tenant_a),
                                                    start=DAY - timedelta(days=30), end=DAY)
    assert covered == {DAY - timedelta(days=offset): 2 for offset in range(15)}


def test_it_rebuilds_rollups_by_command_for_one_tenant_or_all(world):
    DailyTraffic.objects.create(repository=world.repo_a, date=DAY, views=7, unique_views=2, clones=1)
    DailyTraffic.objects.create(repository=world.repo_b, date=DAY, views=9, unique_views=3)
    out = io.StringIO()
    call_command("rebuild_rollups", "--tenant", "acme", stdout=out)
    assert out.getvalue() == "acme: 1 days rebuilt\n"
    assert rows(world.tenant_a) == [(DAY, 7, 1, 2, 0, 1)]
    assert not rows(world.tenant_b)
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert rows(world.tenant_b) == [(DAY, 9, 0, 3, 0, 1)]


def test_it_refuses_an_unknown_tenant_with_exit_status_2(world):
    with pytest.raises(CommandError) as raised:
        call_command("rebuild_rollups", "--tenant", "nope", stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert str(raised.value) == "--tenant: unknown tenant 'nope'"


def test_it_builds_rollups_for_existing_data_in_the_migration(world):
    migration = __import__("stats.migrations.0007_tenant_rollups", fromlist=["rollups_build"])
    DailyTraffic.objects.create(repository=world.repo_a, date=DAY, views=5, unique_views=1, clones=2)
    DailyTraffic.objects.create(repository=world.repo_a, date=DAY.replace(day=1), views=3)
    migration.rollups_build(apps, None)
    assert rows(world.tenant_a) == [(DAY.replace(day=1), 3, 0, 0, 0, 1), (DAY, 5, 2, 1, 0, 1)]
    assert months(world.tenant_a) == [(world.repo_a.pk, DAY.replace(day=1), 8, 2, 2)]


def test_it_builds_rollups_after_seeding_the_demo(db):
    from django.db.models import Sum

    from devtools.demo import DEMO_TENANT_SLUG, demo_data_seed

    demo_data_seed(today=DAY, days=40)
    tenant = Tenant.objects.get(slug=DEMO_TENANT_SLUG)
    raw = DailyTraffic.objects.filter(repository__tenant=tenant).aggregate(views=Sum("views"), clones=Sum("clones"))
    rolled = TenantDailyRollup.objects.filter(tenant=tenant).aggregate(views=Sum("views"), clones=Sum("clones"))
    assert rolled == raw and raw["views"]
    monthly = RepositoryMonthlyRollup.objects.filter(repository__tenant=tenant).aggregate(views=Sum("views"))
    assert monthly["views"] == raw["views"]


def test_it_draws_sparklines_only_for_the_rows_shown(world):
    for index in range(4):
        repository = Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"lib{index}")
        DailyTraffic.objects.create(repository=repository, date=DAY, views=10 * (index + 1))
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    full = TenantAccess.full(world.tenant_a)
    every = selectors.tenant_repository_totals(access=full, start=DAY - timedelta(days=2), end=DAY,
                                               spark_interval="day")
    shown = selectors.tenant_repository_totals(access=full, start=DAY - timedelta(days=2), end=DAY,
                                               spark_interval="day", spark_limit=2)
    assert [item.spark for item in shown[:2]] == [item.spark for item in every[:2]] == [[None, None, 40],
                                                                                          [None, None, 30]]
    assert [item.spark for item in shown[2:]] == [[]] * (len(shown) - 2)
    assert [item.views for item in shown] == [item.views for item in every]


def test_it_keeps_rollups_exact_on_the_portable_path_other_databases_take(gh, world, monkeypatch):
    from stats.collection import rollups

    monkeypatch.setattr(rollups, "UPSERT_VENDORS", ())  # Db2: insert missing rows, then one UPDATE
    follow(gh, world.tenant_a, "acme/lib")
    for offset in range(2):
        collect(world.tenant_a, DAY + timedelta(days=offset))
        gh.set_today(DAY + timedelta(days=offset + 1))
    maintained = rows(world.tenant_a), months(world.tenant_a)
    assert maintained[0]
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    assert (rows(world.tenant_a), months(world.tenant_a)) == maintained
