"""The period estimates against the fake GitHub's known daily referrer truth: 30 days of daily collections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from devtools import fake_github_popular
from stats.collection import services
from stats.models import ReferrerSnapshot
from stats.traffic import estimate_selectors
from tenants.access import TenantAccess
from tenants.models import Role
from tests.collection_support import give_token, noon

pytestmark = pytest.mark.usefixtures("rocket_only")

FIRST = date(2026, 3, 1)
DAYS = 30
LAST = FIRST + timedelta(days=DAYS - 1)


@pytest.fixture
def collected(fake_github, world, time_machine):
    """One collection a day at noon for 30 days, with top lists drawn from a known daily truth."""
    give_token(world.tenant_a)
    fake_github.popular_from_truth = True
    fake = fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id, visitors=40)
    for offset in range(DAYS):
        now = noon(FIRST + timedelta(days=offset))
        time_machine.move_to(now, tick=False)
        fake_github.set_now(now)
        run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=now)
        services.collection_run_execute(run=run, concurrency=1, now=now)
    return fake


def _access(world) -> TenantAccess:
    return TenantAccess(tenant=world.tenant_a, role=Role.ADMIN)


def test_it_keeps_every_referrer_truth_inside_its_bounds_and_whole_windows_exact(world, collected):
    assert ReferrerSnapshot.objects.filter(repository=world.repo_a).values("date").distinct().count() == DAYS
    for length in (28, 25, 21, 14, 7):  # periods ending on the last collection
        start = LAST - timedelta(days=length - 1)
        panel = estimate_selectors.period_top(
            access=_access(world), kind="referrers", start=start, end=LAST, repository=world.repo_a, limit=None
        )
        truth = fake_github_popular.period_truth(collected, "referrers", start, LAST)
        assert panel.estimated and panel.entries
        churned = 0
        for item in panel.entries:
            assert item.low <= truth[item.key], (length, item)
            assert item.high is None or truth[item.key] <= item.high, (length, item)
            assert item.low <= item.views and (item.high is None or item.views <= item.high)
            churned += item.listed < item.snapshots
            if item.exact:
                assert item.views == truth[item.key]
        always_listed = [item for item in panel.entries if item.listed == item.snapshots]
        assert always_listed and all(item.exact for item in always_listed) == (length in (14, 28)), length
        assert churned, "the fake's truth makes referrers leave and re-enter the top 10"
        if length == 25:  # not whole windows: an estimate, close to the truth overall
            error = sum(abs(item.views - truth[item.key]) for item in always_listed)
            assert error <= 0.1 * sum(truth[item.key] for item in always_listed)


def test_it_estimates_the_whole_tenant_from_one_snapshot_in_14_days_within_the_same_bounds(world, collected):
    start = LAST - timedelta(days=27)
    panel = estimate_selectors.period_top(access=_access(world), kind="paths", start=start, end=LAST, limit=None)
    truth = fake_github_popular.period_truth(collected, "paths", start, LAST)
    assert panel.estimated
    for item in panel.entries:
        assert item.low <= truth[item.key] and (item.high is None or truth[item.key] <= item.high)
        assert item.snapshots == 2  # the two windows that tile the 28 days, not 28 daily snapshots
        if item.exact:
            assert item.views == truth[item.key]
