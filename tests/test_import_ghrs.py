"""import_history ghrs: a github-repo-stats data folder, merged like a collection, twice changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from repos.models import Repository
from stats.collection.services import Counts, daily_counts_merge
from stats.models import DailyTraffic, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from tests.import_support import assert_rollups_exact, run_cli, run_import, stored_state

HEADER = "time_iso8601,clones_total,clones_unique,views_total,views_unique\n"


def ghrs_folder(root: Path, *, aggregate: str | None = None) -> Path:
    data = root / "ghrs-data"
    (data / "snapshots").mkdir(parents=True)
    (data / "views_clones_aggregate.csv").write_text(aggregate if aggregate is not None else (
        HEADER
        + "2025-12-01 00:00:00+00:00,5,2,40,9\n"
        + "2025-12-02 00:00:00+00:00,,,12,4\n"  # pandas leaves a count GitHub omitted empty
        + "2026-01-08T00:00:00Z,1,1,3,1\n"
    ))
    # A raw fetch on 2026-01-10: GitHub's window 2025-12-27 … 2026-01-10; only 2026-01-08 had traffic.
    (data / "snapshots" / "2026-01-10_120000_views_clones_series_fragment.csv").write_text(
        HEADER + "2026-01-08 00:00:00+00:00,2,1,7,3\n"
    )
    (data / "snapshots" / "2026-01-10_060000_top_referrers_snapshot.csv").write_text(
        "referrer,views_total,views_unique\nearly.example,1,1\n"
    )
    (data / "snapshots" / "2026-01-10_120000_top_referrers_snapshot.csv").write_text(
        "referrer,views_total,views_unique\ngithub.com,30,8\nnews.ycombinator.com,12,10\n"
    )
    (data / "snapshots" / "2026-01-10_120000_top_paths_snapshot.csv").write_text(
        "url_path,views_total,views_unique\n/acme/rocket,20,6\n"
    )
    (data / "stars.csv").write_text("time_iso8601,stars_cumulative\n2025-12-01T10:00:00Z,1\n"
                                    "2025-12-01T18:00:00Z,2\n2025-12-05T09:00:00Z,3\n")
    (data / "forks.csv").write_text("time_iso8601,forks_cumulative\n2025-12-03T10:00:00Z,1\n")
    return data


def daily(repository: Repository) -> dict[date, tuple[int, int, int, int]]:
    return {row.date: (row.views, row.unique_views, row.clones, row.unique_clones)
            for row in DailyTraffic.objects.filter(repository=repository)}


def test_it_imports_known_days_zero_fills_fragments_and_leaves_the_rest_unknown(world, tmp_path):
    folder = ghrs_folder(tmp_path)
    code, out, err = run_import("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0, err
    days = daily(world.repo_a)
    window = [date(2025, 12, 27) + timedelta(days=n) for n in range(15)]
    assert set(days) == {date(2025, 12, 1), date(2025, 12, 2), *window}
    assert days[date(2025, 12, 1)] == (40, 9, 5, 2)
    assert days[date(2025, 12, 2)] == (12, 4, 0, 0)
    assert days[date(2026, 1, 8)] == (7, 3, 2, 1)  # the per-field maximum of aggregate and fragment
    assert days[date(2025, 12, 28)] == (0, 0, 0, 0)  # inside the fetched window: a real zero
    assert date(2025, 12, 3) not in days  # listed nowhere: unknown, no row
    assert not WeeklyTraffic.objects.exists()  # weekly uniques are never invented
    assert "days of traffic: 17 imported, 0 merged, 0 skipped" in out
    assert_rollups_exact(world.tenant_a)


def test_it_changes_nothing_when_imported_twice(world, tmp_path):
    folder = ghrs_folder(tmp_path)
    assert run_import("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/rocket")[0] == 0
    before = stored_state()
    code, out, _ = run_import("ghrs", str(tmp_path), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0
    assert stored_state() == before
    assert "days of traffic: 0 imported, 0 merged, 17 skipped" in out
    assert "referrer snapshots: 0 imported, 0 merged, 1 skipped" in out
    assert "nothing new" in out


def test_it_merges_into_collected_days_by_maximum_and_keeps_coverage(world, tmp_path):
    # Collected before: 2026-01-08 higher views than ghrs, 2026-01-09 traffic ghrs never saw, 2026-02-01 later.
    daily_counts_merge(repo_id=world.repo_a.pk, tenant_id=world.tenant_a.pk, counts={
        date(2026, 1, 8): Counts(views=50, unique_views=1, clones=0, unique_clones=0),
        date(2026, 1, 9): Counts(views=4, unique_views=2, clones=1, unique_clones=1),
        date(2026, 2, 1): Counts(views=9, unique_views=9, clones=9, unique_clones=9),
    })
    code, out, _ = run_import("ghrs", str(ghrs_folder(tmp_path)), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0
    days = daily(world.repo_a)
    assert days[date(2026, 1, 8)] == (50, 3, 2, 1)
    assert days[date(2026, 1, 9)] == (4, 2, 1, 1)  # a fragment's zero never lowers a stored day
    assert days[date(2026, 2, 1)] == (9, 9, 9, 9)
    assert "days of traffic: 15 imported, 1 merged, 1 skipped" in out
    assert_rollups_exact(world.tenant_a)


def test_it_follows_the_repository_when_the_tenant_does_not_yet(world, tmp_path):
    code, out, _ = run_import("ghrs", str(ghrs_folder(tmp_path)), "--tenant", "acme", "--repo", "acme/new-thing")
    assert code == 0
    repository = Repository.objects.get(tenant=world.tenant_a, name="new-thing")
    assert len(daily(repository)) == 17
    assert "repositories followed: 1 imported" in out


def test_it_keeps_the_days_last_snapshot_and_a_stored_one(world, tmp_path):
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=date(2026, 1, 11), referrer="kept.example",
                                    count=1, uniques=1)
    folder = ghrs_folder(tmp_path)
    (folder / "snapshots" / "2026-01-11_080000_top_referrers_snapshot.csv").write_text(
        "referrer,views_total,views_unique\nnot-stored.example,3,3\n")
    assert run_import("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/rocket")[0] == 0
    referrers = sorted(ReferrerSnapshot.objects.filter(repository=world.repo_a).values_list("date", "referrer",
                                                                                            "count"))
    assert referrers == [(date(2026, 1, 10), "github.com", 30), (date(2026, 1, 10), "news.ycombinator.com", 12),
                         (date(2026, 1, 11), "kept.example", 1)]


def test_it_imports_stars_and_forks_as_cumulative_counts_per_day(world, tmp_path):
    RepositoryMetrics.objects.create(repository=world.repo_a, date=date(2025, 12, 5), stars=7, forks=2, watchers=4)
    assert run_import("ghrs", str(ghrs_folder(tmp_path)), "--tenant", "acme", "--repo", "acme/rocket")[0] == 0
    metrics = sorted(RepositoryMetrics.objects.filter(repository=world.repo_a)
                     .values_list("date", "stars", "forks", "watchers"))
    assert metrics == [(date(2025, 12, 1), 2, 0, None), (date(2025, 12, 3), 2, 1, None),
                       (date(2025, 12, 5), 7, 2, 4)]  # the collected day stays


@pytest.mark.parametrize(("line", "problem"), [
    ("2025-12-03 00:00:00+00:00,1,1,abc,1\n", "views_total: 'abc' is not a count"),
    ("2025-12-03 00:00:00+00:00,1,1,-4,1\n", "views_total: -4 is out of range"),
    ("yesterday,1,1,1,1\n", "time_iso8601: 'yesterday' is not an ISO 8601 time"),
    ("2025-12-03 00:00:00+00:00,1,1\n", "expected 5 values"),
])
def test_it_refuses_a_malformed_file_with_its_line_and_writes_nothing(world, tmp_path, line, problem):
    folder = ghrs_folder(tmp_path, aggregate=HEADER + "2025-12-01 00:00:00+00:00,5,2,40,9\n" + line)
    code, _, err = run_cli("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/brand-new")
    assert code == 2
    assert f"ghrs-data/views_clones_aggregate.csv:3: {problem}" in err
    assert len(err.strip().splitlines()) == 1
    assert not DailyTraffic.objects.exists()
    assert not Repository.objects.filter(name="brand-new").exists()


def test_it_refuses_a_fragment_row_outside_its_window(world, tmp_path):
    folder = ghrs_folder(tmp_path)
    (folder / "snapshots" / "2026-01-10_120000_views_clones_series_fragment.csv").write_text(
        HEADER + "2026-01-08 00:00:00+00:00,2,1,7,3\n2025-11-01 00:00:00+00:00,2,1,7,3\n")
    code, _, err = run_cli("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2
    assert "2026-01-10_120000_views_clones_series_fragment.csv:3: 2025-11-01 lies outside" in err
    assert not DailyTraffic.objects.exists()


def test_it_refuses_a_header_it_does_not_know(world, tmp_path):
    folder = ghrs_folder(tmp_path, aggregate="day,views\n2025-12-01,3\n")
    code, _, err = run_cli("ghrs", str(folder), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2
    assert "views_clones_aggregate.csv:1: the header lacks time_iso8601" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--tenant", "nope", "--repo", "acme/rocket"], "unknown tenant 'nope'"),
    (["--tenant", "acme", "--repo", "not a repo"], "--repo:"),
    (["--tenant", "acme"], "required: --repo"),
])
def test_it_exits_2_on_bad_arguments(world, tmp_path, args, message):
    code, _, err = run_cli("ghrs", str(ghrs_folder(tmp_path)), *args)
    assert code == 2
    assert message in err
    assert not DailyTraffic.objects.exists()


def test_it_exits_2_for_a_folder_without_ghrs_data(world, tmp_path):
    code, _, err = run_cli("ghrs", str(tmp_path / "missing"), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2
    assert "no such folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("ghrs", str(tmp_path / "empty"), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2 and "not a github-repo-stats data folder" in err
