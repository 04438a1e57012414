import datetime

import pytest
from django.db import IntegrityError, transaction

from repos.models import Repository
from stats.models import DailyTraffic, WeeklyTraffic
from tenants.models import Membership, Role


def test_it_rejects_the_same_repository_twice_in_a_tenant_ignoring_case(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Repository.objects.create(tenant=world.tenant_a, owner="ACME", name="Rocket")


def test_it_allows_the_same_repository_in_two_tenants(world):
    Repository.objects.create(tenant=world.tenant_b, owner="acme", name="rocket")
    assert Repository.objects.filter(owner__iexact="acme", name__iexact="rocket").count() == 2


def test_it_keeps_one_daily_row_per_repository_and_date(world):
    day = datetime.date(2026, 11, 1)
    DailyTraffic.objects.create(repository=world.repo_a, date=day, views=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyTraffic.objects.create(repository=world.repo_a, date=day, views=4)
    DailyTraffic.objects.create(repository=world.repo_b, date=day, views=4)
    assert DailyTraffic.objects.filter(date=day).count() == 2


def test_it_keeps_one_weekly_row_per_repository_and_week(world):
    monday = datetime.date(2026, 11, 2)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday)
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday)


def test_it_keeps_one_membership_per_user_and_tenant(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=world.viewer_a, tenant=world.tenant_a, role=Role.ADMIN)


def test_it_orders_roles_viewer_maintainer_admin():
    assert Role.ADMIN.at_least(Role.MAINTAINER) and Role.MAINTAINER.at_least(Role.VIEWER)
    assert not Role.VIEWER.at_least(Role.MAINTAINER)
    assert not Role.MAINTAINER.at_least(Role.ADMIN)
