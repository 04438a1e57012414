import datetime

import pytest

from repos.selectors import days_left
from stats.collection.freshness import all_tenants_collection_risk, tenant_collection_risk
from stats.models import CollectionRun
from tenants.access import TenantAccess

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

TODAY = datetime.date(2026, 11, 29)


def collected_on(repository, day, error=""):
    repository.last_success_at = datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=datetime.UTC)
    repository.last_error = error
    repository.save()


@pytest.mark.parametrize(("last", "expected"), [(TODAY, 14), (TODAY - datetime.timedelta(days=11), 3), (None, None)])
def test_it_counts_days_left_in_githubs_window(last, expected):
    assert days_left(last_success_on=last, today=TODAY) == expected


def test_it_flags_a_repository_three_days_from_losing_data(world):
    collected_on(world.repo_a, TODAY - datetime.timedelta(days=11))
    risk = tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY)
    assert risk.at_risk
    assert [(r.repository, r.days_left) for r in risk.repositories] == [(world.repo_a, 3)]


def test_it_does_not_flag_a_recently_collected_repository(world):
    collected_on(world.repo_a, TODAY - datetime.timedelta(days=10))
    assert not tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY).at_risk


def test_it_flags_never_collected_and_failing_repositories(world):
    never = tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY)
    assert never.repositories[0].days_left is None
    collected_on(world.repo_a, TODAY - datetime.timedelta(days=1), error="token invalid or expired")
    failing = tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY)
    assert "token invalid or expired" in failing.repositories[0].reason


def test_it_flags_a_tenant_whose_last_run_failed(world):
    collected_on(world.repo_a, TODAY)
    CollectionRun.objects.create(tenant=world.tenant_a, trigger="command", status=CollectionRun.Status.FAILED)
    risk = tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY)
    assert risk.last_run_failed and risk.at_risk


def test_it_only_reports_repositories_the_viewer_may_see(world):
    collected_on(world.repo_a, TODAY)
    hidden = world.repo_a.tenant.repositories.create(owner="acme", name="hidden")
    limited = TenantAccess(tenant=world.tenant_a, role="viewer", repository_ids=frozenset({world.repo_a.pk}))
    assert not tenant_collection_risk(access=limited, today=TODAY).at_risk
    assert hidden in [
        r.repository for r in tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY).repositories
    ]


def test_it_ignores_inactive_repositories(world):
    world.repo_a.active = False
    world.repo_a.save()
    assert not tenant_collection_risk(access=TenantAccess.full(world.tenant_a), today=TODAY).at_risk


def test_it_reports_every_tenant_for_monitoring(world):
    collected_on(world.repo_a, TODAY)
    by_slug = {risk.tenant.slug: risk.at_risk for risk in all_tenants_collection_risk(today=TODAY)}
    assert by_slug == {"acme": False, "globex": True}
