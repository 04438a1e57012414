"""HTTP runs in parallel, bounded per credential; writes stay on the calling thread."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from stats.collection import services
from stats.models import CollectionRun
from tests.collection_support import follow, give_token, noon

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

DAY = date(2026, 3, 4)


def test_it_fetches_in_parallel_within_the_concurrency_bound(fake_github, world, settings):
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    for n in range(11):
        follow(gh, world.tenant_a, f"acme/p{n}")
    gh.set_today(DAY)
    # Every request is held until four are in flight at once: only a client that really runs four requests
    # in parallel gets past it (a serial one times out once, and max_in_flight says 1).
    four_in_flight = threading.Event()

    def hold_until_four_in_flight(seconds: float) -> None:
        if gh.in_flight >= 4:
            four_in_flight.set()
        if not four_in_flight.wait(timeout=10):
            four_in_flight.set()

    gh.wait = hold_until_four_in_flight
    gh.latency = 0.001  # makes the fake call `wait` on every request
    settings.COLLECT_CONCURRENCY = 4
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    threads_seen: set[str] = set()
    run = services.collection_run_execute(
        run=run, now=noon(DAY), progress=lambda item: threads_seen.add(threading.current_thread().name)
    )
    assert run.status == CollectionRun.Status.SUCCEEDED and run.api_requests == 12 * 7
    assert gh.max_in_flight == 4  # parallel, and never more than the bound
    assert threads_seen == {threading.current_thread().name}  # stored by the calling thread only
