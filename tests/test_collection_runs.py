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
    won: list[int] = []
    refused: list[services.CollectionBusy] = []

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            # A new thread does not inherit the test's disabled scopes: act for the tenant, as a request does.
            with tenant_scope(tenant):
                won.append(services.collection_run_start(tenant=tenant, trigger="webhook").pk)
        except services.CollectionBusy as busy:
            refused.append(busy)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Whoever won: exactly one run, and each loser was told which run holds the tenant.
    winner = CollectionRun.objects.get(tenant=tenant)
    assert won == [winner.pk] and len(refused) == 3
    assert [busy.run_id for busy in refused] == [winner.pk] * 3
    assert all(f"collection already running for race (run {winner.pk})" in str(busy) for busy in refused)
    assert CollectionLock.objects.get(tenant=tenant).run_id == winner.pk
