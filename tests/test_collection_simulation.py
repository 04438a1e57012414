"""Sixty simulated days: collections on irregular days and hours, one gap longer than GitHub's window.

The stored daily and weekly series must equal the simulation's truth on every day (week) that some
collection fully covered, zeros included; partly covered days hold no more than the truth; days no
collection covered have no row at all.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, DailyTraffic, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tests.collection_support import follow, give_token, noon

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")

START = date(2026, 1, 5)
# (day offset, hour of the collection). Gaps: 1, 2, 6, 8, 13 days, and one of 18 days (> 14).
COLLECTIONS = [
    (0, 12), (1, 0), (3, 23), (9, 7), (10, 12), (18, 1), (31, 18), (33, 12), (51, 9), (52, 0), (53, 15), (59, 22),
]
FIELDS = ("views", "unique_views", "clones", "unique_clones")


def coverage(collected: list[tuple[date, int]], day: date) -> str:
    """"full" when some collection served `day` complete, "partial" when only cut short, else "none"."""
    best = "none"
    for today, hour in collected:
        offset = (today - day).days
        if 1 <= offset <= 13 or (offset == 14 and hour == 0):
            return "full"
        if 0 <= offset <= 14:
            best = "partial"
    return best


def week_coverage(collected: list[tuple[date, int]], monday: date) -> str:
    days = [coverage([c], monday + timedelta(days=n)) for c in collected for n in range(7)]
    if any(all(coverage([c], monday + timedelta(days=n)) == "full" for n in range(7)) for c in collected):
        return "full"
    return "partial" if any(state != "none" for state in days) else "none"


def test_it_matches_the_truth_over_sixty_days(fake_github, world):
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id, visitors=80)
    repos = [world.repo_a, follow(gh, world.tenant_a, "acme/tiny", visitors=2),
             follow(gh, world.tenant_a, "acme/silent", visitors=0)]
    collected: list[tuple[date, int]] = []
    for offset, hour in COLLECTIONS:
        today = START + timedelta(days=offset)
        now = noon(today).replace(hour=hour)
        gh.set_now(now)
        # A person's run (everything, every time): this walk checks merging, not planning.
        run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=now)
        run = services.collection_run_execute(run=run, concurrency=3, now=now)
        assert run.status == CollectionRun.Status.SUCCEEDED, run.error_summary
        collected.append((today, hour))

    first, last = START - timedelta(days=15), START + timedelta(days=60)
    uncovered = 0
    for repo in repos:
        repo = Repository.objects.get(pk=repo.pk)
        rows = {row.date: row for row in DailyTraffic.objects.filter(repository=repo)}
        day = first
        while day <= last:
            state = coverage(collected, day)
            truth = gh.truth(repo.full_name, day)
            if state == "full":
                assert day in rows, (repo, day)
                assert {f: getattr(rows[day], f) for f in FIELDS} == truth, (repo, day)
            elif state == "partial":
                assert all(getattr(rows[day], f) <= truth[f] for f in FIELDS), (repo, day)
            else:
                assert day not in rows, (repo, day)
                uncovered += 1
            day += timedelta(days=1)

        weeks = {row.week_start: row for row in WeeklyTraffic.objects.filter(repository=repo)}
        monday = first - timedelta(days=first.weekday())
        full_weeks = 0
        while monday <= last:
            state = week_coverage(collected, monday)
            truth = gh.truth_week(repo.full_name, monday)
            if state == "full":
                assert {f: getattr(weeks[monday], f) for f in FIELDS} == truth, (repo, monday)
                full_weeks += 1
            elif state == "partial":
                assert all(getattr(weeks[monday], f) <= truth[f] for f in FIELDS), (repo, monday)
            else:
                assert monday not in weeks, (repo, monday)
            monday += timedelta(days=7)
        assert full_weeks >= 4
        metric_days = set(RepositoryMetrics.objects.filter(repository=repo).values_list("date", flat=True))
        assert metric_days == {today for today, _ in collected}

    # The 18-day gap left days nobody can ever recover; the busy repository saw real traffic and zeros.
    assert uncovered >= 3 * 3
    busy = {row.date: row for row in DailyTraffic.objects.filter(repository=world.repo_a)}
    assert any(row.views == 0 for row in busy.values()) and sum(row.views for row in busy.values()) > 1000
    assert set(ReferrerSnapshot.objects.filter(repository=world.repo_a).values_list("date", flat=True)) == {
        today for today, _ in collected
    }
    # Weekly uniques are GitHub's de-duplicated ones, smaller than the sum of the week's daily uniques.
    some_week = WeeklyTraffic.objects.filter(repository=world.repo_a).order_by("-unique_views").first()
    daily_sum = sum(
        busy[d].unique_views for d in (some_week.week_start + timedelta(days=n) for n in range(7)) if d in busy
    )
    assert some_week.unique_views < daily_sum


def test_it_stays_true_through_faults_and_rate_limits(fake_github, world, monkeypatch):
    """Same walk, but some collections fail for one repository or stop on the rate limit midway."""
    from repos import github

    monkeypatch.setattr(github, "pause", lambda seconds: None)
    gh = fake_github
    give_token(world.tenant_a)
    gh.add_repo("acme/rocket", github_id=world.repo_a.github_id, visitors=50)
    repos = [world.repo_a, follow(gh, world.tenant_a, "acme/flaky", visitors=30)]
    ok_collections: dict[int, list[tuple[date, int]]] = {repo.pk: [] for repo in repos}
    attempted: list[tuple[date, int]] = []
    statuses: list[str] = []
    for index, (offset, hour) in enumerate(COLLECTIONS):
        today = START + timedelta(days=offset)
        now = noon(today).replace(hour=hour)
        gh.set_now(now)
        gh.clear_faults()
        gh.reset_rate_limit()
        if index % 3 == 1:
            fault = ["no_push_access", "error500", "truncated"][index // 3 % 3]
            gh.inject_fault("acme/flaky", fault, endpoint="clones")
        if index == 4:
            gh.set_rate_limit(remaining=9, reset_in=3600)  # flaky fails, rocket stops after its daily series
        # A person's run (everything, every time): this walk checks merging, not planning.
        run = services.collection_run_start(tenant=world.tenant_a, trigger="command", now=now)
        run = services.collection_run_execute(run=run, concurrency=1, now=now)
        attempted.append((today, hour))
        statuses.append(run.status)
        for item in run.items.all():
            if item.status == "ok":
                ok_collections[item.repository_id].append((today, hour))

    assert statuses.count("partial") == 3 and statuses.count("rate_limited") == 1
    assert len(ok_collections[repos[0].pk]) == len(COLLECTIONS) - 1
    assert len(ok_collections[repos[1].pk]) == len(COLLECTIONS) - 4
    for repo in repos:
        repo = Repository.objects.get(pk=repo.pk)
        rows = {row.date: row for row in DailyTraffic.objects.filter(repository=repo)}
        day = START - timedelta(days=15)
        while day <= START + timedelta(days=60):
            truth = gh.truth(repo.full_name, day)
            if coverage(ok_collections[repo.pk], day) == "full":
                assert {f: getattr(rows[day], f) for f in FIELDS} == truth, (repo, day)
            elif day in rows:
                assert coverage(attempted, day) != "none"
                assert all(getattr(rows[day], f) <= truth[f] for f in FIELDS), (repo, day)
            day += timedelta(days=1)
