"""Helpers of the page tests: a fixed "today", days of traffic, the charts' JSON data."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic

TODAY = date(2026, 11, 20)


def pin_today(time_machine) -> None:
    """Pages default to the current UTC day: render them on TODAY (noon, clock stopped)."""
    time_machine.move_to(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC), tick=False)


def fill(repo: Repository, days: int, views: int = 10, skip: set[int] | frozenset[int] = frozenset()) -> None:
    """`days` days of traffic up to TODAY (3 unique visitors, views // 5 clones); `skip` leaves gaps."""
    DailyTraffic.objects.bulk_create(
        DailyTraffic(repository=repo, date=TODAY - timedelta(days=offset), views=views, unique_views=3,
                     clones=views // 5, unique_clones=1)
        for offset in range(days) if offset not in skip
    )
    rollups_rebuild(tenant_ids=[repo.tenant_id])  # rows written outside the collection


def chart_json(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))
