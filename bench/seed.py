"""Bulk seeding of years of traffic for the query benchmark (COPY on PostgreSQL, executemany on SQLite).

The ORM's bulk_create builds a model instance per row; at a million rows that alone takes longer
than the database needs to store them, so rows are generated as plain tuples and streamed in.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from repos.models import Repository
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tenants.models import Membership, Role, Tenant

BENCH_USERNAME = "bench-admin"
REFERRERS = [f"site-{i}.example" for i in range(10)]
PATHS = [f"/blob/main/doc-{i}.md" for i in range(10)]
SNAPSHOT_WEEKS = 12


@dataclass
class SeedReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


class _Counted:
    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            self.count += 1
            yield row


def bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Stream plain tuples into the model's table; returns the number of rows."""
    table = model._meta.db_table
    counted = _Counted(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg 3's COPY: the fastest way into PostgreSQL from Python.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in counted:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" for _ in columns)
            # The raw sqlite3 connection skips Django's per-statement wrapper; one transaction for all.
            connection.connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", counted
            )
    return counted.count


def _repo_base(index: int) -> int:
    # A long tail: a few busy repositories, most quiet ones.
    return 5 + (index * 7919) % 97 + (400 if index % 50 == 0 else 0)


def _daily_rows(repo_ids: Sequence[int], days: Sequence[date]) -> Iterator[tuple]:
    day_strings = [day.isoformat() for day in days]
    weekday_factor = [6 if day.weekday() >= 5 else 10 for day in days]
    for index, repo_id in enumerate(repo_ids):
        base = _repo_base(index)
        for offset, day in enumerate(day_strings):
            views = base * weekday_factor[offset] // 10 + (offset * 31 + index * 17) % 13
            clones = views // 8
            yield (repo_id, day, views, views // 3, clones, clones // 2)


def _weekly_rows(repo_ids: Sequence[int], weeks: Sequence[date]) -> Iterator[tuple]:
    week_strings = [week.isoformat() for week in weeks]
    for index, repo_id in enumerate(repo_ids):
        base = _repo_base(index)
        for week in week_strings:
            views = base * 6
            clones = views // 8
            yield (repo_id, week, views, views // 4, clones, clones // 3)


def _snapshot_rows(repo_ids: Sequence[int], dates: Sequence[date], names: Sequence[str], titled: bool) -> Iterator:
    date_strings = [day.isoformat() for day in dates]
    for index, repo_id in enumerate(repo_ids):
        base = _repo_base(index)
        for day in date_strings:
            for rank, name in enumerate(names):
                count = base * 14 // (rank + 2)
                row = (repo_id, day, name, count, count // 3)
                yield (*row[:3], f"Title of {name}", *row[3:]) if titled else row


def _metrics_rows(repo_ids: Sequence[int], dates: Sequence[date]) -> Iterator[tuple]:
    date_strings = [day.isoformat() for day in dates]
    for index, repo_id in enumerate(repo_ids):
        base = _repo_base(index)
        for offset, day in enumerate(date_strings):
            stars = base * 10 + offset * (1 + index % 3)
            yield (repo_id, day, stars, stars // 9, stars // 20, index % 40, 1000 + index)


def seed_tenant(*, slug: str, repositories: int, days: int, today: date, user: object) -> SeedReport:
    """A tenant with `repositories` repositories and `days` days of history ending `today`."""
    started = time.perf_counter()
    report = SeedReport()
    tenant = Tenant.objects.create(slug=slug, name=f"Bench {slug}")
    Membership.objects.create(user=user, tenant=tenant, role=Role.ADMIN)
    Repository.objects.bulk_create(
        [
            Repository(tenant=tenant, owner=f"{slug}-org", name=f"repo-{i:05d}", github_id=10_000_000 + i)
            for i in range(repositories)
        ],
        batch_size=500,
    )
    repo_ids = list(Repository.objects.filter(tenant=tenant).order_by("name").values_list("pk", flat=True))
    report.rows["repositories"] = len(repo_ids)
    first_day = today - timedelta(days=days - 1)
    all_days = [first_day + timedelta(days=i) for i in range(days)]
    first_monday = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    weeks = [first_monday + timedelta(days=7 * i) for i in range((today - first_monday).days // 7 + 1)]
    snapshot_dates = [today - timedelta(days=7 * i) for i in range(SNAPSHOT_WEEKS)][::-1]
    traffic_columns = ["repository_id", "{}", "views", "unique_views", "clones", "unique_clones"]
    report.rows["daily"] = bulk_insert(
        DailyTraffic, [c.format("date") for c in traffic_columns], _daily_rows(repo_ids, all_days)
    )
    report.rows["weekly"] = bulk_insert(
        WeeklyTraffic, [c.format("week_start") for c in traffic_columns], _weekly_rows(repo_ids, weeks)
    )
    report.rows["referrers"] = bulk_insert(
        ReferrerSnapshot,
        ["repository_id", "date", "referrer", "count", "uniques"],
        _snapshot_rows(repo_ids, snapshot_dates, REFERRERS, titled=False),
    )
    report.rows["paths"] = bulk_insert(
        PathSnapshot,
        ["repository_id", "date", "path", "title", "count", "uniques"],
        _snapshot_rows(repo_ids, snapshot_dates, PATHS, titled=True),
    )
    report.rows["metrics"] = bulk_insert(
        RepositoryMetrics,
        ["repository_id", "date", "stars", "forks", "watchers", "open_issues", "size_kb"],
        _metrics_rows(repo_ids, weeks),
    )
    report.seconds = time.perf_counter() - started
    return report


def bench_user() -> object:
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=BENCH_USERNAME, defaults={"email": "bench@example.com"})
    return user


def analyze() -> float:
    """Refresh planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started
