"""The collection planner (stats/collection/planner.py): what is due, in which order, within a budget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from stats.collection.planner import (
    ALL_GROUPS,
    PLANNED_ORDER,
    REQUESTS_PER_REPOSITORY,
    Group,
    Mode,
    RepositoryState,
    collection_plan,
    group_due,
    groups_format,
    groups_parse,
)

TODAY = date(2026, 11, 18)  # a Wednesday


def state(repo_id: int, name: str, **fetched: date | None) -> RepositoryState:
    days = {Group.METADATA: None, Group.DAY_SERIES: None, Group.WEEK_SERIES: None, Group.POPULAR: None}
    days.update({Group(key): value for key, value in fetched.items()})
    return RepositoryState(repository_id=repo_id, full_name=name, fetched_on=days)


def all_on(day: date) -> dict[str, date]:
    return {group.value: day for group in PLANNED_ORDER}


def test_it_fetches_everything_not_fetched_today_when_the_budget_covers_it():
    states = [state(1, "acme/a", **all_on(TODAY - timedelta(days=1))), state(2, "acme/b", **all_on(TODAY))]
    plan = collection_plan(states=states, today=TODAY, budget=1000)
    assert plan.mode is Mode.FULL
    # The traffic groups, then the optional release downloads with the budget left.
    assert [(p.full_name, p.groups) for p in plan.repositories] == [("acme/a", (*ALL_GROUPS, Group.RELEASES))]
    assert plan.requests_planned == REQUESTS_PER_REPOSITORY + 1


def test_it_puts_never_collected_repositories_first_and_cuts_at_the_budget():
    collected = [state(n, f"acme/old{n:02}", **all_on(TODAY - timedelta(days=1))) for n in range(5)]
    never = state(99, "acme/zzz-new")
    plan = collection_plan(states=[*collected, never], today=TODAY, budget=2 * REQUESTS_PER_REPOSITORY)
    assert plan.repositories[0].full_name == "acme/zzz-new"
    # What GitHub forgets first comes first; its metadata (nothing lost by waiting) is no more urgent than others'.
    assert {Group.DAY_SERIES, Group.WEEK_SERIES, Group.POPULAR} <= set(plan.repositories[0].groups)
    assert plan.requests_planned <= 2 * REQUESTS_PER_REPOSITORY
    assert plan.mode is Mode.LOSSLESS


@pytest.mark.parametrize(
    ("group", "age", "at_risk"),
    [
        (Group.DAY_SERIES, 5, False),
        (Group.DAY_SERIES, 6, True),  # 7 days of margin before the oldest unstored day leaves the series
        (Group.POPULAR, 10, False),
        (Group.POPULAR, 11, True),
        (Group.METADATA, 5, False),
        (Group.METADATA, 6, True),
    ],
)
def test_it_knows_when_a_group_is_at_risk(group, age, at_risk):
    assert group_due(group, TODAY - timedelta(days=age), TODAY).at_risk is at_risk


def test_it_fetches_a_week_once_it_is_whole_and_before_it_is_cut():
    last = date(2026, 11, 9)  # a Monday: the week of 9-15 Nov was not complete then
    # Whole from Monday 16 Nov until Sunday 22 Nov; at risk two days before (20 Nov) and not before it is whole.
    assert not group_due(Group.WEEK_SERIES, last, date(2026, 11, 15)).at_risk
    assert not group_due(Group.WEEK_SERIES, last, date(2026, 11, 19)).at_risk
    due = group_due(Group.WEEK_SERIES, last, date(2026, 11, 20))
    assert due.at_risk and due.slack == 2
    assert group_due(Group.WEEK_SERIES, last, date(2026, 11, 22)).slack == 0


@pytest.mark.parametrize(
    ("last", "today"),
    [
        (date(2025, 12, 29), date(2026, 1, 9)),  # the week across New Year (ISO week 1 of 2026)
        (date(2026, 1, 26), date(2026, 2, 6)),  # the week across a month end
        (date(2020, 12, 28), date(2021, 1, 8)),  # ISO week 53
    ],
)
def test_it_keeps_week_completeness_across_month_and_year_boundaries(last, today):
    due = group_due(Group.WEEK_SERIES, last, today)
    assert due.at_risk
    # Fetching on `today` stores the week that started on `last`'s Monday: it is whole on that day.
    monday = last - timedelta(days=last.weekday())
    assert monday + timedelta(days=7) <= today <= monday + timedelta(days=13)


def test_it_fetches_a_new_repositorys_day_series_before_anything_else():
    never = [state(n, f"acme/new{n}") for n in range(3)]
    plan = collection_plan(states=never, today=TODAY, budget=6)
    # Three day series (2 requests each) before any referrer snapshot, week or metadata.
    assert [(p.full_name, p.groups) for p in plan.repositories] == [
        (f"acme/new{n}", (Group.DAY_SERIES,)) for n in range(3)
    ]


def test_it_orders_at_risk_work_by_the_deadline_of_the_oldest_unstored_bucket():
    states = [
        state(1, "acme/relaxed", **{**all_on(TODAY), "day": TODAY - timedelta(days=6)}),
        state(2, "acme/urgent", **{**all_on(TODAY), "day": TODAY - timedelta(days=12)}),
        state(3, "acme/middle", **{**all_on(TODAY), "day": TODAY - timedelta(days=9)}),
    ]
    plan = collection_plan(states=states, today=TODAY, budget=2)
    assert [p.full_name for p in plan.repositories] == ["acme/urgent"]
    assert plan.repositories[0].groups == (Group.DAY_SERIES,)
    assert plan.mode is Mode.OVER_CAPACITY
    assert [(name, group) for name, group, _ in plan.left_at_risk] == [
        ("acme/middle", Group.DAY_SERIES), ("acme/relaxed", Group.DAY_SERIES)
    ]
    assert plan.shortfall == 4
    assert "over capacity by 4 requests" in plan.summary() and "acme/middle" in plan.summary()


def test_it_never_spends_budget_on_fresh_groups_while_another_repository_is_at_risk():
    fresh_but_stale = state(1, "acme/a", **all_on(TODAY - timedelta(days=1)))
    at_risk = state(2, "acme/b", **{**all_on(TODAY), "day": TODAY - timedelta(days=8)})
    plan = collection_plan(states=[fresh_but_stale, at_risk], today=TODAY, budget=2)
    assert [(p.full_name, p.groups) for p in plan.repositories] == [("acme/b", (Group.DAY_SERIES,))]


def test_it_fetches_everything_for_a_person_whatever_the_budget():
    states = [state(1, "acme/a", **all_on(TODAY)), state(2, "acme/b")]
    plan = collection_plan(states=states, today=TODAY, budget=0, force=True)
    assert [p.full_name for p in plan.repositories] == ["acme/b", "acme/a"]
    assert all(p.groups == ALL_GROUPS for p in plan.repositories)


def test_it_plans_nothing_when_everything_was_fetched_today():
    plan = collection_plan(states=[state(1, "acme/a", **all_on(TODAY))], today=TODAY, budget=5000)
    assert plan.repositories == [] and plan.mode is Mode.FULL


def test_it_stores_and_reads_groups():
    assert groups_parse(groups_format((Group.DAY_SERIES, Group.POPULAR))) == (Group.DAY_SERIES, Group.POPULAR)
    assert groups_parse("") == ALL_GROUPS
