"""Star history rebuilt from the stargazer list against the fake GitHub: the backfill, its increments, the
400-page cap, and what the page and the API show."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from repos.github import GitHubClient
from repos.github_stars import stargazers_page
from repos.models import Repository
from stats.collection import optional, services
from stats.collection.planner import Group
from stats.models import CollectionRun, RepositoryMetrics, StargazerDay
from tests.collection_support import TOKEN, follow, give_token

DAY = date(2026, 3, 10)
FIRST_STARS = date(2026, 1, 5)


def at(day: date, hour: int = 1) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def planned_run(gh, tenant, day: date) -> CollectionRun:
    """A scheduled run at 01:00 UTC of `day`, with a known budget of 5,000 requests."""
    gh.set_today(day, hour=1)
    with time_machine.travel(at(day), tick=False):
        CollectionRun.objects.create(tenant=tenant, trigger=CollectionRun.Trigger.COMMAND,
                                     status=CollectionRun.Status.SUCCEEDED, rate_limit_remaining=5000,
                                     rate_limit_limit=5000)
        run = services.collection_run_start(tenant=tenant, trigger=CollectionRun.Trigger.SCHEDULE)
        return services.collection_run_execute(run=run)


@pytest.fixture
def starred(fake_github, world):
    """acme/stellar on the fake, followed by tenant A alone, with 250 stars over three days."""
    give_token(world.tenant_a)
    Repository.objects.filter(tenant=world.tenant_a).delete()
    repo = follow(fake_github, world.tenant_a, "acme/stellar")
    fake_github.stargazers.add_daily("acme/stellar", FIRST_STARS, [120, 0, 30, 100])
    fake_github.set_today(DAY, hour=12)
    return repo


def read_stars(gh, repo: Repository, day: date) -> optional.OptionalFetch:
    """One stargazer read as a run would do it (fetch within the allowance, then store)."""
    repo.refresh_from_db()
    gh.set_today(day, hour=12)
    target = optional.optional_target(repo, (Group.STARGAZERS,), day)
    with GitHubClient(token=TOKEN, base_url=gh.url) as client:
        fetched = optional.optional_fetch(client=client, target=target, full_name=repo.full_name)
    optional.optional_store(repo_id=repo.pk, fetched=fetched, today=day)
    repo.refresh_from_db()
    return fetched


def per_day(repo: Repository) -> dict[date, int]:
    return dict(StargazerDay.objects.filter(repository=repo).values_list("date", "stars"))


# --- the fake GitHub and the client ------------------------------------------------------------------
def test_it_serves_starred_at_only_with_the_star_media_type(fake_github, starred):
    with GitHubClient(token=TOKEN, base_url=fake_github.url) as client:
        stars = client.get("/repos/acme/stellar/stargazers", accept="application/vnd.github.star+json")
        users = client.get("/repos/acme/stellar/stargazers")
    assert set(stars.data[0]) == {"starred_at", "user"} and stars.data[0]["starred_at"] == "2026-01-05T10:00:00Z"
    assert "starred_at" not in users.data[0] and "login" in users.data[0]
    assert len(stars.data) == 30 and stars.next_url is not None  # GitHub's default page size, with a Link


def test_it_answers_422_past_page_400_as_github_does(fake_github, starred):
    fake_github.stargazers.add_daily("acme/stellar", date(2026, 2, 1), [40_000])
    with GitHubClient(token=TOKEN, base_url=fake_github.url) as client:
        last = client.get("/repos/acme/stellar/stargazers", params={"per_page": 100, "page": 400},
                          accept="application/vnd.github.star+json")
        beyond = stargazers_page(client, "acme/stellar", 401)
        count = client.get("/repos/acme/stellar/stargazers/count").data
    assert len(last.data) == 100 and last.next_url is None  # the list stops at page 400
    assert beyond.capped and beyond.starred_at == []
    assert fake_github.request_count(path_contains="/stargazers", status=422) == 1
    assert count == {"count": 40_250}


# --- the backfill and its increments --------------------------------------------------------------------
def test_it_rebuilds_the_daily_series_from_the_first_star(fake_github, starred):
    fetched = read_stars(fake_github, starred, DAY)
    assert fetched.stargazers is not None and fetched.stargazers.complete
    assert per_day(starred) == {FIRST_STARS: 120, date(2026, 1, 7): 30, date(2026, 1, 8): 100}
    assert starred.stargazers_backfilled_on == DAY and not starred.stargazers_capped
    assert starred.stargazers_resume_page == 3  # 250 stars: the last page read, where new stars appear
    # One count, three pages.
    assert fake_github.request_count(path_contains="/stargazers") == 4


def test_it_reads_only_new_stars_once_the_backfill_is_complete(fake_github, starred):
    read_stars(fake_github, starred, DAY)
    before = fake_github.request_count(path_contains="/stargazers")
    fake_github.stargazers.add_daily("acme/stellar", DAY + timedelta(days=1), [60])
    read_stars(fake_github, starred, DAY + timedelta(days=2))
    assert per_day(starred)[DAY + timedelta(days=1)] == 60
    assert sum(per_day(starred).values()) == 310  # nothing counted twice
    # The last known page (250..300) and the next one (301..310): no re-read from page 1.
    assert fake_github.request_count(path_contains="/stargazers") - before == 2
    assert starred.stargazers_resume_page == 4


def test_it_reads_back_when_unstars_move_new_stars_to_earlier_pages(fake_github, starred, monkeypatch):
    monkeypatch.setattr(optional, "STARGAZER_PAGES_PER_RUN", 3)  # the count and two pages per read
    read_stars(fake_github, starred, DAY)
    assert sum(per_day(starred).values()) == 200 and starred.stargazers_backfilled_on is None
    for _ in range(150):
        fake_github.stargazers.unstar("acme/stellar", 0)  # stars 151..250 are left: pages 1 and 2 shift
    read_stars(fake_github, starred, DAY + timedelta(days=1))
    # Stars 201..250, now on page 1, were found by reading back; each listed star counted once.
    assert sum(per_day(starred).values()) == 250
    assert starred.stargazers_backfilled_on == DAY + timedelta(days=1)


def test_it_caps_the_backfill_at_40000_stars_without_reading_400_pages(fake_github, starred):
    fake_github.stargazers.add_daily("acme/stellar", date(2026, 2, 1), [40_000])
    read_stars(fake_github, starred, DAY)
    assert starred.stargazers_capped and starred.stargazers_backfilled_on is None
    assert per_day(starred) == {}
    assert fake_github.request_count(path_contains="/stargazers") == 1  # the count said it all
    assert optional.optional_requests(starred, DAY + timedelta(days=1)) == {}  # never tried again


def test_it_does_not_trust_a_backfill_the_cap_cut_short(fake_github, starred, monkeypatch):
    # The count was under the cap when the backfill began; by page 400 the list had grown past it.
    starred.stargazers_resume_page, starred.stargazers_last_starred_at = 399, None
    starred.save()
    fake_github.stargazers.add_daily("acme/stellar", date(2026, 2, 1), [40_000])
    fetched = read_stars(fake_github, starred, DAY)
    assert fetched.stargazers is not None and fetched.stargazers.capped and not fetched.stargazers.complete
    assert starred.stargazers_capped and starred.stargazers_backfilled_on is None


def test_it_records_a_refused_list_without_failing_the_traffic(fake_github, starred):
    fake_github.inject_fault("acme/stellar", "no_push_access", endpoint="stargazers")
    planned_run(fake_github, starred.tenant, DAY)
    starred.refresh_from_db()
    assert starred.last_error == "" and starred.day_series_fetched_on == DAY
    assert "push access" in starred.stargazers_error and starred.stargazers_backfilled_on is None
    assert optional.optional_requests(starred, DAY) == {}  # not again today
    assert Group.STARGAZERS in optional.optional_requests(starred, DAY + timedelta(days=1))


# --- through the collection engine ------------------------------------------------------------------
def test_it_backfills_in_a_planned_run_with_budget_left_over(fake_github, starred):
    run = planned_run(fake_github, starred.tenant, DAY)
    starred.refresh_from_db()
    assert run.status == CollectionRun.Status.SUCCEEDED
    assert "stargazers" in run.items.get().groups
    assert sum(per_day(starred).values()) == 250 and starred.stargazers_backfilled_on == DAY
    # The traffic groups, the release list (optional, due daily), then the count and three pages.
    assert run.api_requests == 7 + 1 + 4


def test_it_never_reads_stargazers_in_a_run_a_person_asked_for(fake_github, starred):
    with time_machine.travel(at(DAY), tick=False):
        run = services.collection_run_start(tenant=starred.tenant, trigger=CollectionRun.Trigger.UI)
        services.collection_run_execute(run=run)
    assert fake_github.request_count(path_contains="/stargazers") == 0


# --- what the page and the API show ---------------------------------------------------------------------
def collected(repo: Repository, day: date, stars: int) -> None:
    RepositoryMetrics.objects.create(repository=repo, date=day, stars=stars)


def test_it_serves_the_history_from_the_first_star_with_collected_days_kept(fake_github, starred, world):
    read_stars(fake_github, starred, DAY)
    collected(starred, date(2026, 1, 8), 260)  # GitHub's count that day (10 have unstarred since)
    with time_machine.travel(at(DAY, 12), tick=False):
        body = world.client_for(world.viewer_a).get("/api/v1/t/acme/repos/acme/stellar/stars/history/").json()
    assert body["state"] == "complete" and body["first_star"] == "2026-01-05"
    points = {p["date"]: (p["stars"], p["source"]) for p in body["results"]}
    assert body["results"][0]["date"] == "2026-01-05"
    assert points["2026-01-05"] == (120, "rebuilt") and points["2026-01-06"] == (120, "rebuilt")
    assert points["2026-01-07"] == (150, "rebuilt")
    assert points["2026-01-08"] == (260, "collected")  # never replaced by the lower rebuilt 250
    assert points[DAY.isoformat()] == (250, "rebuilt")
    with time_machine.travel(at(DAY, 12), tick=False):
        response = world.client_for(world.viewer_a).get(
            "/api/v1/t/acme/repos/acme/stellar/stars/history/", {"from": "2026-01-06", "to": "2026-01-07",
                                                                 "format": "csv"})
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["date", "stars", "source"], ["2026-01-06", "120", "rebuilt"], ["2026-01-07", "150", "rebuilt"]]


def test_it_starts_at_the_first_collected_day_and_says_so_when_capped(fake_github, starred, world):
    fake_github.stargazers.add_daily("acme/stellar", date(2026, 2, 1), [40_000])
    read_stars(fake_github, starred, DAY)
    collected(starred, DAY - timedelta(days=2), 40_240)
    with time_machine.travel(at(DAY, 12), tick=False):
        body = world.client_for(world.viewer_a).get("/api/v1/t/acme/repos/acme/stellar/stars/history/").json()
        page = world.client_for(world.viewer_a).get("/t/acme/repos/acme/stellar/")
    assert body["state"] == "capped" and body["results"][0] == {
        "date": (DAY - timedelta(days=2)).isoformat(), "stars": 40_240, "source": "collected"}
    assert "40,000" in body["note"]
    html = page.content.decode()
    assert 'id="star-history"' in html and "40,000-star limit" in html and "first day collected" in html


def test_it_hides_another_tenants_star_history(world):
    response = world.client_for(world.owner_b).get("/api/v1/t/acme/repos/acme/rocket/stars/history/")
    assert response.status_code == 404
    limited = world.client_for(world.limited_viewer).get("/api/v1/t/acme/repos/acme/hidden-gem/stars/history/")
    assert limited.status_code == 404
