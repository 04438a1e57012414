"""Causes named from releases and CI runs: a spike day with a release published that day (or the evening
before) names the release by tag and name; a clone spike on a day of far more workflow runs than usual names
CI (views spikes never do); no release or no CI data names no such cause."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from stats.models import DailyTraffic, ReleaseAsset, WorkflowRunDay
from stats.notify import causes
from stats.notify.alerts import alerts_check
from stats.notify.causes import Cause, causes_for, ci_runs, release_published

TODAY = date(2026, 3, 10)
DAY = TODAY - timedelta(days=1)


def history(repository, *, spike_views: int = 20, spike_clones: int = 4) -> None:
    """28 ordinary days (about 20 views, 4 clones) before DAY, then DAY, collected the next morning."""
    for back in range(28, 0, -1):
        DailyTraffic.objects.create(repository=repository, date=DAY - timedelta(days=back), views=20 + back % 3,
                                    unique_views=5, clones=4, unique_clones=1)
    DailyTraffic.objects.create(repository=repository, date=DAY, views=spike_views, unique_views=50,
                                clones=spike_clones, unique_clones=2)
    repository.last_success_at = datetime(2026, 3, 10, 3, tzinfo=UTC)
    repository.save()


_asset_ids = iter(range(1000, 10**6))


def release(repository, *, release_id: int, tag: str, published_at: datetime | None, name: str = "",
            prerelease: bool = False, assets: int = 1) -> None:
    for index in range(assets):
        ReleaseAsset.objects.create(repository=repository, asset_id=next(_asset_ids), release_id=release_id, tag=tag,
                                    release_name=name, published_at=published_at, prerelease=prerelease,
                                    name=f"asset-{index}.tar.gz")


def runs(repository, *, usual: int, on_day: int | None, days: int = 28, enabled: bool = True) -> None:
    repository.ci_runs_enabled = enabled
    repository.save()
    WorkflowRunDay.objects.bulk_create(
        [WorkflowRunDay(repository=repository, date=DAY - timedelta(days=back), workflow_runs=usual + back % 2)
         for back in range(days, 0, -1)]
    )
    if on_day is not None:
        WorkflowRunDay.objects.create(repository=repository, date=DAY, workflow_runs=on_day)


def summaries(alert) -> list[tuple[str, str]]:
    return [(cause.kind, cause.summary) for cause in alert.causes.all()]


def test_it_names_the_release_published_on_the_spike_day(world) -> None:
    history(world.repo_a, spike_views=900)
    release(world.repo_a, release_id=1, tag="v2.0", name="Rocket 2.0", published_at=datetime(2026, 3, 9, 14, 5,
                                                                                                  tzinfo=UTC), assets=3)
    release(world.repo_a, release_id=2, tag="v1.9", published_at=datetime(2026, 2, 20, tzinfo=UTC))  # long before
    release(world.repo_b, release_id=3, tag="v9.9", published_at=datetime(2026, 3, 9, 9, tzinfo=UTC))  # other tenant
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert summaries(alert) == [("release", 'release v2.0 "Rocket 2.0" published')]


def test_it_names_a_release_of_the_evening_before_with_its_time_and_all_releases_of_the_day(world) -> None:
    history(world.repo_a, spike_views=900)
    release(world.repo_a, release_id=1, tag="v2.0", name="v2.0", published_at=datetime(2026, 3, 8, 21, 30, tzinfo=UTC))
    release(world.repo_a, release_id=2, tag="v2.0.1-rc1", prerelease=True,
            published_at=datetime(2026, 3, 9, 23, 59, tzinfo=UTC))
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert summaries(alert) == [
        ("release", "releases v2.0 on 2026-03-08 21:30 UTC and v2.0.1-rc1 (pre-release) published")
    ]


@pytest.mark.parametrize(
    "published_at",
    [
        datetime(2026, 3, 8, 17, 59, tzinfo=UTC),  # the day before, but not in the evening
        datetime(2026, 3, 10, 0, 0, tzinfo=UTC),  # the day after
        None,  # no publication date stored
    ],
)
def test_it_names_no_release_published_outside_the_day(world, published_at) -> None:
    history(world.repo_a, spike_views=900)
    release(world.repo_a, release_id=1, tag="v2.0", published_at=published_at)
    assert release_published(world.repo_a, DAY) is None
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert summaries(alert) == []


def test_it_names_ci_runs_far_above_usual_for_a_clone_spike_only(world) -> None:
    history(world.repo_a, spike_views=900, spike_clones=300)
    runs(world.repo_a, usual=5, on_day=37)
    views, clones = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert (views.metric, summaries(views)) == ("views", [])
    assert (clones.metric, summaries(clones)) == (
        "clones", [("ci", "37 workflow runs (usually 5.5; CI checkouts count as clones)")]
    )


def test_it_names_releases_for_clone_spikes_too(world) -> None:
    history(world.repo_a, spike_clones=300)
    release(world.repo_a, release_id=1, tag="v2.0", published_at=datetime(2026, 3, 9, 8, tzinfo=UTC))
    runs(world.repo_a, usual=5, on_day=40)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert alert.metric == "clones"
    assert [kind for kind, _ in summaries(alert)] == ["release", "ci"]


@pytest.mark.parametrize(
    ("usual", "on_day", "days", "enabled"),
    [
        (5, None, 28, True),  # no count stored for the day: unknown, not a jump
        (10, 25, 28, True),  # under 3x the usual
        (1, 9, 28, True),  # 3x the usual but fewer than 10 more runs
        (5, 40, 28, False),  # the CI-clone estimate is off: runs are not collected (stale rows say nothing)
        (0, None, 0, True),  # no CI data at all
    ],
)
def test_it_names_no_ci_without_a_clear_jump_in_runs(world, usual, on_day, days, enabled) -> None:
    history(world.repo_a, spike_clones=300)
    runs(world.repo_a, usual=usual, on_day=on_day, days=days, enabled=enabled)
    assert ci_runs(world.repo_a, DAY) is None
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert summaries(alert) == []


def test_it_asks_a_detector_registered_for_some_metrics_only_about_those(world, monkeypatch) -> None:
    def views_only(repository, day):
        return Cause("campaign", "newsletter sent")

    monkeypatch.setattr(causes, "CAUSE_DETECTORS", [])
    monkeypatch.setattr(causes, "DETECTOR_METRICS", {})
    causes.cause_detector_register(views_only, metrics=["views"])
    assert causes_for(world.repo_a, DAY, "views") == [Cause("campaign", "newsletter sent")]
    assert causes_for(world.repo_a, DAY, "clones") == []
    assert causes_for(world.repo_a, DAY) == [Cause("campaign", "newsletter sent")]
