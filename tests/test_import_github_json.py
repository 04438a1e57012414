"""import_history github-json: saved views/clones answers, each a full window of its fetch day."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from stats.models import DailyTraffic
from tests.import_support import assert_rollups_exact, run_cli, run_import, stored_state


def answer(path: Path, kind: str, buckets: dict[str, tuple[int, int]], *, modified: date | None = None) -> Path:
    body = {"count": sum(c for c, _ in buckets.values()), "uniques": max((u for _, u in buckets.values()), default=0),
            kind: [{"timestamp": f"{day}T00:00:00Z", "count": c, "uniques": u} for day, (c, u) in buckets.items()]}
    path.write_text(json.dumps(body, indent=2))
    if modified is not None:
        moment = datetime(modified.year, modified.month, modified.day, 12, tzinfo=UTC).timestamp()
        os.utime(path, (moment, moment))
    return path


def daily(world) -> dict[date, tuple[int, int, int, int]]:
    return {row.date: (row.views, row.unique_views, row.clones, row.unique_clones)
            for row in DailyTraffic.objects.filter(repository=world.repo_a)}


def test_it_imports_a_views_and_clones_pair_as_a_full_window_dated_by_file_time(world, tmp_path):
    views = answer(tmp_path / "views.json", "views", {"2026-03-02": (10, 4), "2026-03-09": (3, 1)},
                   modified=date(2026, 3, 10))
    clones = answer(tmp_path / "clones.json", "clones", {"2026-03-02": (2, 1)}, modified=date(2026, 3, 10))
    code, out, err = run_import("github-json", str(views), str(clones), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0, err
    days = daily(world)
    assert set(days) == {date(2026, 2, 24) + timedelta(days=n) for n in range(15)}
    assert days[date(2026, 3, 2)] == (10, 4, 2, 1)
    assert days[date(2026, 3, 5)] == (0, 0, 0, 0)
    assert "days of traffic: 15 imported" in out
    assert_rollups_exact(world.tenant_a)
    before = stored_state()
    code, out, _ = run_import("github-json", str(views), str(clones), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0 and stored_state() == before
    assert "days of traffic: 0 imported, 0 merged, 15 skipped" in out


def test_it_dates_answers_by_the_date_option(world, tmp_path):
    views = answer(tmp_path / "v.json", "views", {"2026-03-02": (10, 4)}, modified=date(2026, 11, 1))
    clones = answer(tmp_path / "c.json", "clones", {}, modified=date(2026, 11, 1))
    code, _, err = run_import("github-json", str(views), str(clones), "--tenant", "acme", "--repo", "acme/rocket",
                              "--date", "2026-03-04")
    assert code == 0, err
    assert min(daily(world)) == date(2026, 2, 18) and max(daily(world)) == date(2026, 3, 4)


def test_it_lets_a_views_answer_alone_raise_stored_days_but_create_none(world, tmp_path):
    DailyTraffic.objects.create(repository=world.repo_a, date=date(2026, 3, 2), views=1, unique_views=1, clones=5,
                                unique_clones=2)
    from stats.collection.rollups import rollups_rebuild

    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    views = answer(tmp_path / "v.json", "views", {"2026-03-02": (10, 4), "2026-03-03": (6, 6)},
                   modified=date(2026, 3, 10))
    code, out, _ = run_import("github-json", str(views), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 0
    assert daily(world) == {date(2026, 3, 2): (10, 4, 5, 2)}  # clones of the other days stay unknown
    assert "one side only" in out
    assert_rollups_exact(world.tenant_a)


def test_it_refuses_an_answer_older_than_its_date_says(world, tmp_path):
    views = answer(tmp_path / "v.json", "views", {"2025-01-02": (10, 4)}, modified=date(2026, 3, 10))
    code, _, err = run_cli("github-json", str(views), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2
    assert "v.json:6: dated 2026-03-10, but its buckets start 2025-01-02" in err
    assert not DailyTraffic.objects.exists()


def test_it_refuses_a_bad_bucket_naming_its_line_and_imports_no_other_file(world, tmp_path):
    good = answer(tmp_path / "good.json", "clones", {"2026-03-02": (1, 1)}, modified=date(2026, 3, 10))
    bad = tmp_path / "bad.json"
    bad.write_text('{"count": 3, "uniques": 1, "views": [\n'
                   '  {"timestamp": "2026-03-01T00:00:00Z", "count": 1, "uniques": 1},\n'
                   '  {"timestamp": "2026-03-02T00:00:00Z", "count": "many", "uniques": 1}\n]}\n')
    code, _, err = run_cli("github-json", str(good), str(bad), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2
    assert "bad.json:3: views[1].count: 'many' is not a count" in err
    assert not DailyTraffic.objects.exists()


def test_it_refuses_what_is_not_a_traffic_answer(world, tmp_path):
    (tmp_path / "x.json").write_text('{"stargazers_count": 3}')
    (tmp_path / "broken.json").write_text('{"views": [\n  {"timestamp": ,}\n]}')
    code, _, err = run_cli("github-json", str(tmp_path / "x.json"), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2 and "x.json:1: expected GitHub's views or clones answer" in err
    code, _, err = run_cli("github-json", str(tmp_path / "broken.json"), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2 and "broken.json:2: not JSON" in err
    code, _, err = run_cli("github-json", str(tmp_path / "none.json"), "--tenant", "acme", "--repo", "acme/rocket")
    assert code == 2 and "none.json: no such file" in err
    code, _, err = run_cli("github-json", str(tmp_path / "x.json"), "--tenant", "acme", "--repo", "acme/rocket",
                           "--date", "soon")
    assert code == 2 and "--date: 'soon' is not a date" in err
