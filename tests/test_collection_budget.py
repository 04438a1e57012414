"""Budget-aware collection with the real engine and the fake GitHub: nobody starves, nothing is lost."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, DailyTraffic, RunItem
from tests.collection_support import follow, give_token

START = date(2026, 11, 2)


@pytest.fixture
def short_budget(fake_github, world, settings):
    settings.COLLECT_BUDGET_RESERVE = 0
    give_token(world.tenant_a)
    Repository.objects.filter(tenant=world.tenant_a).delete()  # only the repositories each test follows
    fake_github.rate_limit = 100  # requests per hour window, as GitHub's x-ratelimit-limit
    return fake_github


def scheduled_day(gh, tenant, day: date, traveller) -> CollectionRun:
    """One daily scheduled run at 01:00 UTC with a fresh window of 100 requests."""
    traveller.move_to(datetime(day.year, day.month, day.day, 1, tzinfo=UTC))
    gh.set_today(day, hour=1)
    gh.set_rate_limit(remaining=100, reset_in=3600)
    run = services.collection_run_start(tenant=tenant, trigger=CollectionRun.Trigger.SCHEDULE)
    return services.collection_run_execute(run=run)


def test_it_collects_every_repository_within_four_runs_of_a_short_budget(short_budget, world):
    repos = [follow(short_budget, world.tenant_a, f"acme/r{n:02}") for n in range(40)]
    with time_machine.travel(datetime(2026, 11, 2, 1, tzinfo=UTC), tick=False) as traveller:
        runs = [scheduled_day(short_budget, world.tenant_a, START + timedelta(days=n), traveller) for n in range(4)]
    never = [r.full_name for r in Repository.objects.filter(pk__in=[r.pk for r in repos], last_success_at=None)]
    assert never == []
    # The fixed-order engine collected the same 14 repositories every day; the planner rotates.
    assert len({item.repository_id for run in runs for item in run.items.filter(status="ok")}) == 40
    # The first run learns the budget by hitting it; later runs plan within it and are never cut short.
    assert runs[0].status == CollectionRun.Status.RATE_LIMITED
    assert [run.status for run in runs[1:]] == [CollectionRun.Status.SUCCEEDED] * 3
    assert all(run.api_requests <= 100 for run in runs[1:])


def test_it_loses_no_day_over_two_weeks_on_a_short_budget(short_budget, world):
    # 20 repositories need 140 requests a day for full freshness; the budget is 100.
    repos = [follow(short_budget, world.tenant_a, f"acme/r{n:02}") for n in range(20)]
    days = 16
    with time_machine.travel(datetime(2026, 11, 2, 1, tzinfo=UTC), tick=False) as traveller:
        for n in range(days):
            scheduled_day(short_budget, world.tenant_a, START + timedelta(days=n), traveller)
    last_day = START + timedelta(days=days - 1)
    for repo in repos:
        stored = set(DailyTraffic.objects.filter(repository=repo).values_list("date", flat=True))
        fetched = Repository.objects.get(pk=repo.pk).day_series_fetched_on
        first = min(stored)
        # Every complete day up to the last fetch is stored (no day fell out of GitHub's window), and
        # the days since are still in it: the series is never more than 6 days old.
        expected = {first + timedelta(days=k) for k in range((fetched - first).days)}
        assert expected - stored == set(), repo.full_name
        assert (last_day - fetched).days <= 6


def test_it_plans_nothing_for_a_scheduled_run_when_everything_is_fresh(short_budget, world):
    follow(short_budget, world.tenant_a, "acme/only")
    with time_machine.travel(datetime(2026, 11, 2, 1, tzinfo=UTC), tick=False) as traveller:
        first = scheduled_day(short_budget, world.tenant_a, START, traveller)
        again = services.collection_run_start(tenant=world.tenant_a, trigger=CollectionRun.Trigger.SCHEDULE)
    assert first.repos_total == 1 and first.plan_mode == "full"
    # Traffic is fresh: only the optional release list is left (planned once the budget is known).
    assert again.repos_total == 1
    assert list(RunItem.objects.filter(run=again).values_list("groups", flat=True)) == ["releases"]


def test_it_continues_a_rate_limited_run_after_the_reset(
    short_budget, world, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.models import Schedule

    from stats.collection import scheduling, tasks

    repos = [follow(short_budget, world.tenant_a, f"acme/r{n:02}") for n in range(20)]
    queued: list[tuple] = []
    monkeypatch.setattr(scheduling, "async_task", lambda *args, **kwargs: queued.append(args))
    with time_machine.travel(datetime(2026, 11, 2, 1, tzinfo=UTC), tick=False) as traveller:
        stopped = scheduled_day(short_budget, world.tenant_a, START, traveller)
        assert stopped.status == CollectionRun.Status.RATE_LIMITED
        at = scheduling.collection_resume_schedule(run=stopped)
        schedule = Schedule.objects.get(name=f"ghtraffic resume {world.tenant_a.pk}")
        assert schedule.func == scheduling.RESUME_TASK and schedule.schedule_type == Schedule.ONCE
        assert schedule.next_run == at == stopped.rate_limited_until + services.resume_delay()
        traveller.move_to(at)
        with django_capture_on_commit_callbacks(execute=True):
            resumed_id = tasks.resume_collection(world.tenant_a.pk)
    resumed = CollectionRun.objects.get(pk=resumed_id)
    assert resumed.trigger == CollectionRun.Trigger.RESUME
    skipped = set(stopped.items.filter(status="skipped").values_list("repository_id", flat=True))
    planned = set(resumed.items.values_list("repository_id", flat=True))
    assert skipped and skipped <= planned  # what the limit cut off comes first after the reset
    assert queued  # its batches went to the workers
    assert len(repos) == 20


def test_it_waits_for_the_reset_with_collect_traffic_wait(short_budget, world):
    from django.core.management import call_command

    from stats.management.commands import collect_traffic

    for n in range(20):
        follow(short_budget, world.tenant_a, f"acme/r{n:02}")
    out = __import__("io").StringIO()
    with time_machine.travel(datetime(2026, 11, 2, 1, tzinfo=UTC), tick=False) as traveller:
        short_budget.set_today(START, hour=1)
        short_budget.set_rate_limit(remaining=100, reset_in=3600)

        def sleep_until(moment):  # instead of sleeping: the clock moves and GitHub's window renews
            traveller.move_to(moment)
            short_budget.set_rate_limit(remaining=100, reset_in=3600)

        original = collect_traffic.sleep_until
        collect_traffic.sleep_until = sleep_until
        exit_code = 0
        try:
            call_command("collect_traffic", "--wait", "--tenant", "acme", stdout=out)
        except SystemExit as exited:
            exit_code = exited.code
        finally:
            collect_traffic.sleep_until = original
    text = out.getvalue()
    assert "waiting for the rate limit (resumes 02:00 UTC)" in text
    assert exit_code == 0  # the last run collected what the limit had stopped
    assert not Repository.objects.filter(tenant=world.tenant_a, last_success_at=None).exists()


def test_it_queues_small_tenants_before_big_ones(world, monkeypatch):
    from stats.collection import scheduling

    for n in range(3):
        Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"extra{n}")
    monkeypatch.setattr(scheduling, "async_task", lambda *args, **kwargs: None)
    outcomes = scheduling.collection_request_all(trigger=CollectionRun.Trigger.UI)
    # globex (1 repository) before acme (4), although acme sorts first by name.
    assert [outcome.tenant.slug for outcome in outcomes] == ["globex", "acme"]


def test_it_shows_the_capacity_page(rocket_only):
    world = rocket_only
    from datetime import date as day

    Repository.objects.filter(pk=world.repo_a.pk).update(
        day_series_fetched_on=day(2026, 11, 10), metadata_fetched_on=day(2026, 11, 19),
        week_series_fetched_on=day(2026, 11, 9), popular_fetched_on=day(2026, 11, 19),
    )
    CollectionRun.objects.create(
        tenant=world.tenant_a, trigger="schedule", status="succeeded", rate_limit_limit=5000,
        rate_limit_remaining=4200, plan_mode="lossless", plan_summary="plan: lossless; 30 requests planned",
    )
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        response = world.client_for(world.viewer_a).get("/t/acme/capacity/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "5000 requests; 4200 left" in html
    assert "Lossless: each kind of data" in html
    # Daily series fetched 10 Nov: at risk from 16 Nov, i.e. today (20 Nov), and marked so.
    assert "10 Nov → 20 Nov" in html
    assert "7 " in html  # 7 requests a day for full freshness of one repository
    assert "secret-plans" not in html


def test_it_resumes_even_right_after_the_stopped_run_finished(world, queued, settings):
    from django.utils import timezone

    from stats.collection import scheduling, tasks

    settings.COLLECT_MIN_INTERVAL = 600
    CollectionRun.objects.create(tenant=world.tenant_a, trigger=CollectionRun.Trigger.SCHEDULE,
                                 status=CollectionRun.Status.RATE_LIMITED, finished=timezone.now())
    # A scheduled tick now would be throttled; the continuation GitHub's reset timed is not.
    assert scheduling.collection_request(tenant=world.tenant_a, trigger=CollectionRun.Trigger.SCHEDULE)[0] is None
    resumed = tasks.resume_collection(world.tenant_a.pk)
    assert resumed is not None
    assert CollectionRun.objects.get(pk=resumed).trigger == CollectionRun.Trigger.RESUME
