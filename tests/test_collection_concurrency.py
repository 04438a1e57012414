"""HTTP runs in parallel, bounded per credential; writes stay on the calling thread."""

from __future__ import annotations

import threading
import time
from datetime import date

from stats.collection import services
from stats.models import CollectionRun
from tests.collection_support import follow, give_token, noon

DAY = date(2026, 3, 4)


def test_it_fetches_in_parallel_within_the_concurrency_bound(fake_github, world, settings):
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    for n in range(11):
        follow(gh, world.tenant_a, f"acme/p{n}")
    gh.set_today(DAY)
    gh.latency = 0.05  # like a real network round trip
    settings.COLLECT_CONCURRENCY = 4
    run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=noon(DAY))
    threads_seen: set[str] = set()
    started = time.monotonic()
    run = services.collection_run_execute(
        run=run, now=noon(DAY), progress=lambda item: threads_seen.add(threading.current_thread().name)
    )
    elapsed = time.monotonic() - started
    assert run.status == CollectionRun.Status.SUCCEEDED and run.api_requests == 12 * 7
    serial = 12 * 7 * 0.05
    assert elapsed < serial / 2, elapsed  # 4 at a time: ~serial / 4 plus overhead
    assert 2 <= gh.max_in_flight <= 4
    assert threads_seen == {threading.current_thread().name}  # stored by the calling thread only
