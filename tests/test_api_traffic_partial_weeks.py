"""A week cut by from/to has partial views, so its (whole-week) GitHub uniques are reported as unknown."""

import datetime

from stats.models import DailyTraffic, WeeklyTraffic


def test_it_gives_weekly_uniques_only_for_whole_weeks_in_the_range(world):
    monday = datetime.date(2026, 11, 2)
    for offset in range(14):
        DailyTraffic.objects.create(repository=world.repo_a, date=monday + datetime.timedelta(days=offset), views=10)
    WeeklyTraffic.objects.create(repository=world.repo_a, week_start=monday, views=70, unique_views=21)
    WeeklyTraffic.objects.create(
        repository=world.repo_a, week_start=monday + datetime.timedelta(days=7), views=70, unique_views=22
    )
    client = world.client_for(world.viewer_a)
    url = "/api/v1/t/acme/repos/acme/rocket/traffic/?interval=week"
    whole = client.get(f"{url}&from=2026-11-02&to=2026-11-15").json()["results"]
    assert [(p["date"], p["views"], p["unique_views"]) for p in whole] == [
        ("2026-11-02", 70, 21),
        ("2026-11-09", 70, 22),
    ]
    cut = client.get(f"{url}&from=2026-11-04&to=2026-11-15").json()["results"]
    assert [(p["date"], p["views"], p["unique_views"]) for p in cut] == [
        ("2026-11-02", 50, None),
        ("2026-11-09", 70, 22),
    ]
