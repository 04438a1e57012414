"""Referrers and popular content with a known daily truth, for the fake GitHub (opt-in).

The fake's default top lists are drawn afresh each day (fine for collection tests). With
`FakeGitHub.popular_from_truth = True` it serves them as GitHub does instead: each referrer (path) has
views on every day, deterministic per repository, and a list is the top 10 of the 14-day sums ending
on the fake's current day. Rates drift and spike, so referrers leave and re-enter the top 10: the truth
the period estimates (stats.traffic.referrer_estimates) are tested against.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from devtools.fake_github_types import PATH_SUFFIXES, REFERRER_NAMES, FakeRepo

WINDOW = 14


def _names(kind: str) -> tuple[str, ...]:
    return REFERRER_NAMES if kind == "referrers" else PATH_SUFFIXES


@lru_cache(maxsize=200_000)
def daily_views(seed: int, visitors: int, kind: str, name: str, day: date) -> int:
    """Views of one referrer (path suffix) on one day."""
    if visitors <= 0:
        return 0
    rank = _names(kind).index(name)
    # Busier names first, each rising and falling over its own weeks; the 10th to 12th trade places.
    base = visitors * 1.5 / (1 + rank * 0.35)
    phase = (seed % 97) / 97 + rank / 7
    wave = 1 + 0.6 * math.sin(2 * math.pi * (day.toordinal() / (9 + rank) + phase))
    rng = random.Random(f"{seed}:{kind}:{name}:{day.isoformat()}")
    mean = base * wave * (6 if rng.random() < 0.04 else 1)  # now and then a spike (a link went viral)
    if rng.random() < 0.15:
        return 0
    return rng.randint(0, max(1, round(2 * mean)))


def window_views(repo: FakeRepo, kind: str, name: str, today: date) -> int:
    return sum(daily_views(repo.seed, repo.visitors, kind, name, today - timedelta(days=n)) for n in range(WINDOW))


def popular_body(repo: FakeRepo, kind: str, today: date) -> list[dict[str, Any]]:
    """GitHub's top 10 of the 14 days ending `today` (uniques: about half the views, never more)."""
    counts = [(name, window_views(repo, kind, name, today)) for name in _names(kind)]
    return top_ten(repo, kind, [(name, count, max(1, count // 2)) for name, count in counts])


def top_ten(repo: FakeRepo, kind: str, entries: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """(name, count, uniques) → GitHub's top-10 answer shape for referrers or paths (zero counts left out)."""
    rows = []
    for name, count, uniques in entries:
        if count == 0:
            continue
        if kind == "referrers":
            rows.append({"referrer": name, "count": count, "uniques": uniques})
        else:
            path = f"/{repo.full_name}{name}"
            rows.append({"path": path, "title": f"{repo.full_name}{name} · GitHub", "count": count,
                         "uniques": uniques})
    rows.sort(key=lambda row: (-row["count"], row.get("referrer", row.get("path"))))
    return rows[:10]


def period_truth(repo: FakeRepo, kind: str, start: date, end: date) -> dict[str, int]:
    """The true views of every referrer (path, as GitHub names it) over [start, end]."""
    truth = {}
    for name in _names(kind):
        key = name if kind == "referrers" else f"/{repo.full_name}{name}"
        truth[key] = sum(
            daily_views(repo.seed, repo.visitors, kind, name, start + timedelta(days=n))
            for n in range((end - start).days + 1)
        )
    return truth
