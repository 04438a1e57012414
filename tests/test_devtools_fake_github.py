"""The fake GitHub serves GitHub's shapes and window quirks over real HTTP, and its truth is consistent."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from devtools.fake_github import FakeGitHub

EXAMPLES = json.loads(
    (Path(__file__).resolve().parent.parent.parent / "shared" / "github-api" / "examples.json").read_text()
) if (Path(__file__).resolve().parent.parent.parent / "shared" / "github-api" / "examples.json").exists() else None
DAY = date(2026, 3, 4)  # a Wednesday
HEADERS = {"Authorization": "Bearer t0k", "Accept": "application/vnd.github+json"}


@pytest.fixture
def gh():
    with FakeGitHub() as github:
        github.add_repo("acme/rocket", visitors=60)
        github.set_today(DAY, hour=12)
        yield github


def get(gh: FakeGitHub, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{gh.url}{path}", headers={**HEADERS, **headers}, timeout=5)


def test_it_serves_the_shapes_of_githubs_examples(gh):
    views = get(gh, "/repos/acme/rocket/traffic/views?per=day").json()
    clones = get(gh, "/repos/acme/rocket/traffic/clones?per=day").json()
    referrers = get(gh, "/repos/acme/rocket/traffic/popular/referrers").json()
    paths = get(gh, "/repos/acme/rocket/traffic/popular/paths").json()
    assert set(views) == {"count", "uniques", "views"}
    assert set(clones) == {"count", "uniques", "clones"}
    assert all(set(b) == {"timestamp", "count", "uniques"} for b in views["views"] + clones["clones"])
    assert all(set(r) == {"referrer", "count", "uniques"} for r in referrers) and len(referrers) <= 10
    assert all(set(p) == {"path", "title", "count", "uniques"} for p in paths) and len(paths) <= 10
    if EXAMPLES is not None:
        example = EXAMPLES["GET /repos/{owner}/{repo}/traffic/views"]["body"]
        assert set(views) == set(example)
        assert set(views["views"][0]) == set(example["views"][0])
        assert set(paths[0]) == set(EXAMPLES["GET /repos/{owner}/{repo}/traffic/popular/paths"]["body"][0])
    info = get(gh, "/repos/acme/rocket").json()
    assert {"id", "full_name", "stargazers_count", "forks_count", "subscribers_count", "open_issues_count",
            "size"} <= set(info)


def test_it_serves_a_rolling_window_with_partial_ends_and_no_zero_days(gh):
    body = get(gh, "/repos/acme/rocket/traffic/views?per=day").json()
    served = {date.fromisoformat(b["timestamp"][:10]): b for b in body["views"]}
    assert all(b["timestamp"].endswith("T00:00:00Z") for b in body["views"])
    assert min(served) >= DAY - timedelta(days=14) and max(served) <= DAY
    assert all(b["count"] > 0 for b in body["views"])
    for offset in range(15):
        day = DAY - timedelta(days=offset)
        truth = gh.truth("acme/rocket", day)
        got = served.get(day, {"count": 0, "uniques": 0})
        if 1 <= offset <= 13:
            assert (got["count"], got["uniques"]) == (truth["views"], truth["unique_views"]), day
        else:  # today so far, and the oldest day cut short
            assert got["count"] <= truth["views"] and got["uniques"] <= truth["unique_views"]
    # Window uniques are distinct visitors, not the sum of daily uniques.
    assert body["count"] == sum(b["count"] for b in body["views"])
    assert max(b["uniques"] for b in body["views"]) <= body["uniques"] < sum(b["uniques"] for b in body["views"])


def test_it_grows_today_and_shrinks_the_oldest_day_through_the_day(gh):
    early, late = [], []
    for hour, sink in ((1, early), (23, late)):
        gh.set_today(DAY, hour=hour)
        body = get(gh, "/repos/acme/rocket/traffic/views?per=day").json()
        sink.append({b["timestamp"][:10]: b["count"] for b in body["views"]})
    today, oldest = DAY.isoformat(), (DAY - timedelta(days=14)).isoformat()
    assert early[0].get(today, 0) <= late[0].get(today, 0)
    assert early[0].get(oldest, 0) >= late[0].get(oldest, 0)
    assert late[0].get(today, 0) < gh.truth("acme/rocket", DAY)["views"] or gh.truth("acme/rocket", DAY)["views"] == 0


def test_it_keys_weeks_by_monday_with_distinct_weekly_uniques(gh):
    gh.set_today(DAY, hour=0)  # the window is exactly the 14 days before today
    body = get(gh, "/repos/acme/rocket/traffic/views?per=week").json()
    weeks = {date.fromisoformat(b["timestamp"][:10]): b for b in body["views"]}
    assert all(week.weekday() == 0 for week in weeks)
    full_week = DAY - timedelta(days=DAY.weekday() + 7)  # Monday a week before, all seven days served
    truth = gh.truth_week("acme/rocket", full_week)
    assert (weeks[full_week]["count"], weeks[full_week]["uniques"]) == (truth["views"], truth["unique_views"])
    daily_uniques = sum(gh.truth("acme/rocket", full_week + timedelta(days=n))["unique_views"] for n in range(7))
    assert truth["unique_views"] < daily_uniques


def test_it_counts_the_rate_limit_down_and_304s_are_free(gh):
    first = get(gh, "/repos/acme/rocket/traffic/views")
    second = get(gh, "/repos/acme/rocket/traffic/views")
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert int(first.headers["x-ratelimit-reset"]) > 0 and first.headers["x-ratelimit-limit"] == "5000"
    cached = get(gh, "/repos/acme/rocket/traffic/views", **{"If-None-Match": second.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.headers["x-ratelimit-remaining"] == second.headers["x-ratelimit-remaining"]


def test_it_opens_hourly_budget_windows_on_its_own_injectable_clock():
    now = [1_800_000_000.0]
    with FakeGitHub(rate_limit=3, clock=lambda: now[0]) as fake:
        fake.add_repo("acme/rocket")
        first = get(fake, "/repos/acme/rocket")
        # The first request opens the window: the reset is an hour ahead on the fake's clock, not the wall's.
        assert first.headers["x-ratelimit-reset"] == str(int(now[0]) + 3600)
        assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == ("3", "2")
        now[0] += 1800
        assert [get(fake, "/repos/acme/rocket").status_code for _ in range(3)] == [200, 200, 403]
        refused = get(fake, "/repos/acme/rocket")
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-reset"] == str(1_800_000_000 + 3600)
        now[0] = 1_800_000_000.0 + 3600  # the reset: a new window with the whole limit
        renewed = get(fake, "/repos/acme/rocket")
        assert renewed.status_code == 200 and renewed.headers["x-ratelimit-remaining"] == "2"
        assert renewed.headers["x-ratelimit-reset"] == str(int(now[0]) + 3600)
        fake.set_rate_limit(remaining=0, reset_in=5)
        assert get(fake, "/repos/acme/rocket").headers["x-ratelimit-reset"] == str(int(now[0]) + 5)


def test_it_follows_time_machine_by_default():
    import time_machine

    with FakeGitHub() as fake, time_machine.travel(1_900_000_000, tick=False):
        fake.add_repo("acme/rocket")
        assert get(fake, "/repos/acme/rocket").headers["x-ratelimit-reset"] == str(1_900_000_000 + 3600)


def test_it_refuses_with_403_when_the_budget_is_spent(gh):
    gh.set_rate_limit(remaining=1, reset_in=600)
    assert get(gh, "/repos/acme/rocket").status_code == 200
    refused = get(gh, "/repos/acme/rocket")
    assert refused.status_code == 403 and refused.headers["x-ratelimit-remaining"] == "0"
    assert "rate limit" in refused.json()["message"]
    gh.reset_rate_limit()
    assert get(gh, "/repos/acme/rocket").status_code == 200


def test_it_answers_301_for_a_renamed_repository(gh):
    repo_id = gh.repos["acme/rocket"].github_id
    gh.rename_repo("acme/rocket", "acme/booster")
    moved = requests.get(f"{gh.url}/repos/acme/rocket/traffic/views?per=day", headers=HEADERS, timeout=5,
                         allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{gh.url}/repositories/{repo_id}/traffic/views?per=day"
    followed = get(gh, "/repos/acme/rocket")
    assert followed.json()["full_name"] == "acme/booster" and followed.json()["id"] == repo_id


def test_it_paginates_repository_lists_with_link_headers(gh):
    for n in range(4):
        gh.add_repo(f"other/r{n}")
    page = get(gh, "/user/repos?per_page=2")
    assert len(page.json()) == 2 and 'rel="next"' in page.headers["Link"]
    last = requests.get(page.links["last"]["url"], headers=HEADERS, timeout=5)
    assert len(last.json()) == 1 and "next" not in last.links
    assert [r["full_name"] for r in get(gh, "/orgs/other/repos").json()] == [f"other/r{n}" for n in range(4)]
    assert get(gh, "/orgs/nobody/repos").status_code == 404


def test_it_injects_faults_per_repository(gh):
    gh.add_repo("acme/fine")
    gh.inject_fault("acme/rocket", "error500", times=2)
    assert [get(gh, "/repos/acme/rocket").status_code for _ in range(3)] == [500, 500, 200]
    gh.inject_fault("acme/rocket", "no_push_access")
    refused = get(gh, "/repos/acme/rocket/traffic/views")
    assert refused.status_code == 403 and refused.json()["message"] == "Must have push access to repository"
    assert get(gh, "/repos/acme/rocket").status_code == 200  # only traffic needs push access
    assert get(gh, "/repos/acme/fine/traffic/views").status_code == 200
    gh.clear_faults()
    gh.inject_fault("acme/rocket", "not_found", times=1)
    assert get(gh, "/repos/acme/rocket").status_code == 404
    gh.inject_fault("acme/rocket", "malformed", times=1)
    with pytest.raises(ValueError):
        get(gh, "/repos/acme/rocket").json()
    gh.inject_fault("acme/rocket", "timeout", times=1, seconds=1)
    with pytest.raises(requests.Timeout):
        requests.get(f"{gh.url}/repos/acme/rocket", headers=HEADERS, timeout=0.2)


def test_it_rejects_unknown_tokens_when_told_which_are_valid(gh):
    gh.tokens = {"good"}
    assert get(gh, "/repos/acme/rocket").status_code == 401
    assert requests.get(f"{gh.url}/repos/acme/rocket", headers={"Authorization": "Bearer good"},
                        timeout=5).status_code == 200


def test_it_adds_latency_globally_and_per_repository(gh):
    waits: list[float] = []
    gh.wait = waits.append  # record the delays instead of sleeping them
    gh.inject_fault("acme/rocket", "latency", times=1, seconds=0.3)
    assert get(gh, "/repos/acme/rocket").status_code == 200
    assert waits == [0.3]
    assert get(gh, "/repos/acme/rocket").status_code == 200  # the fault was used up
    assert waits == [0.3]
    gh.latency = 0.1
    assert get(gh, "/user/repos").status_code == 200
    assert waits == [0.3, 0.1]
