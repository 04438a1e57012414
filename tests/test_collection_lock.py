"""The per-tenant lock holds across database connections: of simultaneous starts exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from stats.collection import services
from stats.models import CollectionLock, CollectionRun
from tenants.models import Tenant
from tenants.scoping import tenant_scope


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_simultaneous_starts_win():
    if connection.vendor == "sqlite":
        pytest.skip("an in-memory SQLite test database has no concurrent writers; runs on PostgreSQL")
    tenant = Tenant.objects.create(slug="race", name="Race")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            # A new thread does not inherit the test's disabled scopes: act for the tenant, as a request does.
            with tenant_scope(tenant):
                run = services.collection_run_start(tenant=tenant, trigger="webhook")
            outcomes.append(f"run {run.pk}")
        except services.CollectionBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes).count("busy") == 3, outcomes
    assert CollectionRun.objects.filter(tenant=tenant).count() == 1
    assert CollectionLock.objects.get(tenant=tenant).run_id == CollectionRun.objects.get(tenant=tenant).pk
