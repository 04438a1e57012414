"""Demo data for a first look: a tenant with a few repositories and a year of realistic traffic.

The numbers follow GitHub's rules so the demo never shows what the product would not: daily uniques
never exceed counts, weekly uniques are de-duplicated (between the largest day and the week's sum),
and a few short collection gaps are left without rows, as they appear in real installs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from devtools.demo_releases import demo_releases_seed
from devtools.demo_stars import demo_star_history_seed
from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tenants.models import Membership, Role, Tenant

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_TENANT_SLUG = "demo"

# (owner, name, typical daily views, clone ratio, stars at start)
DEMO_REPOSITORIES = [
    ("octo-labs", "rocket-sdk", 420, 0.18, 5200),
    ("octo-labs", "nebula-ui", 260, 0.09, 2100),
    ("octo-labs", "quasar-cli", 120, 0.30, 890),
    ("octo-labs", "docs", 640, 0.02, 310),
    ("octo-labs", "pulsar-ml", 75, 0.22, 1450),
    ("octo-labs", "comet-action", 35, 0.60, 120),
]
REFERRERS = [
    "github.com",
    "google.com",
    "news.ycombinator.com",
    "reddit.com",
    "stackoverflow.com",
    "dev.to",
    "twitter.com",
    "duckduckgo.com",
    "bing.com",
    "medium.com",
    "pypi.org",
    "npmjs.com",
]
# (path suffix, title as GitHub reports it; {repo} is owner/name, {name} the bare name)
PATHS = [
    ("", "GitHub - {repo}: {title}"),
    ("/blob/main/README.md", "{name}/README.md at main · {repo}"),
    ("/releases", "Releases · {repo}"),
    ("/issues", "Issues · {repo}"),
    ("/pulls", "Pull requests · {repo}"),
    ("/wiki", "Home · {repo} Wiki"),
    ("/actions", "Workflow runs · {repo}"),
    ("/tree/main/docs", "{name}/docs at main · {repo}"),
    ("/blob/main/CHANGELOG.md", "{name}/CHANGELOG.md at main · {repo}"),
    ("/discussions", "Discussions · {repo}"),
]


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    repositories: int
    daily_rows: int


def _daily_views(rng: random.Random, base: int, day: date, index: int, days: int) -> int:
    growth = 1 + 0.6 * index / days
    weekday = 0.55 if day.weekday() >= 5 else 1.0
    season = 1 + 0.15 * math.sin(index / 58)
    spike = 4.0 if rng.random() < 0.01 else 1.0  # a launch or a link from a big site
    return max(0, int(rng.gauss(base * growth * weekday * season * spike, base * 0.15)))


@transaction.atomic
def demo_data_seed(*, today: date, days: int = 365) -> DemoSummary:
    """Create the demo user, tenant and data. Idempotent: a second call changes nothing."""
    user_model = get_user_model()
    user, user_created = user_model.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.com", "is_staff": True, "is_superuser": True}
    )
    if user_created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    tenant, created = Tenant.objects.get_or_create(slug=DEMO_TENANT_SLUG, defaults={"name": "Octo Labs (demo)"})
    Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Role.ADMIN})
    if not created and DailyTraffic.objects.filter(repository__tenant=tenant).exists():
        return DemoSummary(created=False, repositories=tenant.repositories.count(), daily_rows=0)

    first_day = today - timedelta(days=days - 1)
    # Two short stretches nobody collected: they stay gaps (no rows), not zeros.
    gaps = {first_day + timedelta(days=offset) for offset in [*range(80, 84), *range(200, 203)]}
    daily: list[DailyTraffic] = []
    weekly: list[WeeklyTraffic] = []
    referrers: list[ReferrerSnapshot] = []
    paths: list[PathSnapshot] = []
    metrics: list[RepositoryMetrics] = []
    for repo_index, (owner, name, base, clone_ratio, stars) in enumerate(DEMO_REPOSITORIES):
        rng = random.Random(f"{owner}/{name}")
        repository, _ = Repository.objects.get_or_create(
            tenant=tenant, owner=owner, name=name, defaults={"github_id": 900_000 + repo_index}
        )
        weeks: dict[date, list[tuple[int, int, int, int]]] = {}
        # Each repository has its own stable mix of referrers; snapshots wobble around it.
        referrer_weights = {source: rng.paretovariate(1.2) for source in REFERRERS}
        forks = stars // 9
        for index in range(days):
            day = first_day + timedelta(days=index)
            views = _daily_views(rng, base, day, index, days)
            unique_views = int(views * rng.uniform(0.25, 0.4))
            clones = int(views * clone_ratio * rng.uniform(0.6, 1.4))
            unique_clones = int(clones * rng.uniform(0.3, 0.6))
            stars += max(0, int(rng.gauss(base / 120, 1)))
            forks += 1 if rng.random() < 0.15 else 0
            if day in gaps:
                continue
            daily.append(
                DailyTraffic(
                    repository=repository,
                    date=day,
                    views=views,
                    unique_views=unique_views,
                    clones=clones,
                    unique_clones=unique_clones,
                )
            )
            weeks.setdefault(day - timedelta(days=day.weekday()), []).append(
                (views, unique_views, clones, unique_clones)
            )
            metrics.append(
                RepositoryMetrics(
                    repository=repository,
                    date=day,
                    stars=stars,
                    forks=forks,
                    watchers=stars // 30,
                    open_issues=rng.randint(5, 60),
                    size_kb=4000 + index * 3,
                )
            )
            if index % 7 == 0 or index >= days - 14:
                window = base * 14
                shares = {source: weight * rng.uniform(0.8, 1.25) for source, weight in referrer_weights.items()}
                total = sum(shares.values())
                for source in sorted(shares, key=shares.__getitem__, reverse=True)[:10]:
                    count = int(window * 0.6 * shares[source] / total)
                    referrers.append(
                        ReferrerSnapshot(
                            repository=repository, date=day, referrer=source, count=count, uniques=int(count * 0.35)
                        )
                    )
                for rank, (suffix, title) in enumerate(PATHS):
                    count = int(window * 0.5 / (rank + 1) * rng.uniform(0.85, 1.15))
                    paths.append(
                        PathSnapshot(
                            repository=repository,
                            date=day,
                            path=f"/{owner}/{name}{suffix}",
                            title=title.format(repo=f"{owner}/{name}", name=name, title=name.replace("-", " ").title()),
                            count=count,
                            uniques=int(count * 0.3),
                        )
                    )
        last_collected = datetime.combine(today, time(0, 5), tzinfo=UTC)
        Repository.objects.filter(pk=repository.pk).update(
            last_collected_at=last_collected, last_success_at=last_collected, metadata_fetched_on=today,
            day_series_fetched_on=today, week_series_fetched_on=today, popular_fetched_on=today,
        )
        for week_start, rows in weeks.items():
            # Weekly uniques are de-duplicated: at least the busiest day, well below the plain sum.
            uv = [row[1] for row in rows]
            uc = [row[3] for row in rows]
            weekly.append(
                WeeklyTraffic(
                    repository=repository,
                    week_start=week_start,
                    views=sum(row[0] for row in rows),
                    clones=sum(row[2] for row in rows),
                    unique_views=max(max(uv), int(sum(uv) * 0.7)),
                    unique_clones=max(max(uc), int(sum(uc) * 0.7)),
                )
            )
    DailyTraffic.objects.bulk_create(daily, batch_size=2000, ignore_conflicts=True)
    WeeklyTraffic.objects.bulk_create(weekly, batch_size=2000, ignore_conflicts=True)
    ReferrerSnapshot.objects.bulk_create(referrers, batch_size=2000)
    PathSnapshot.objects.bulk_create(paths, batch_size=2000)
    RepositoryMetrics.objects.bulk_create(metrics, batch_size=2000, ignore_conflicts=True)
    demo_releases_seed(repositories=list(Repository.objects.filter(tenant=tenant)), today=today, days=days)
    demo_star_history_seed(tenant=tenant, today=today)
    # bulk_create bypasses the collection, which keeps the rollups: build them from the rows just written.
    rollups_rebuild(tenant_ids=[tenant.pk])
    return DemoSummary(created=True, repositories=len(DEMO_REPOSITORIES), daily_rows=len(daily))
