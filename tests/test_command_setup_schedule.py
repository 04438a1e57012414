"""manage.py setup_schedule: the collection Schedule (COLLECT_SCHEDULE or --cron) and the notification ones."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from stats.collection.scheduling import SCHEDULE_NAME


@pytest.fixture
def no_schedule(db) -> None:
    Schedule.objects.all().delete()


def test_it_creates_then_keeps_the_schedule(no_schedule, settings, capsys):
    settings.COLLECT_SCHEDULE = "30 23 * * *"
    call_command("setup_schedule")
    out = capsys.readouterr().out
    assert "created; cron '30 23 * * *' (UTC)" in out
    call_command("setup_schedule")
    assert "unchanged" in capsys.readouterr().out
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1


def test_it_takes_a_cron_option(no_schedule, capsys):
    call_command("setup_schedule", "--cron", "0 4 * * 1")
    assert Schedule.objects.get(name=SCHEDULE_NAME).cron == "0 4 * * 1"
    assert "created" in capsys.readouterr().out


def test_it_exits_2_on_an_invalid_cron(no_schedule):
    with pytest.raises(CommandError) as error:
        call_command("setup_schedule", "--cron", "at midnight")
    assert error.value.returncode == 2
    assert "--cron" in str(error.value)
    assert not Schedule.objects.exists()


def test_it_removes_the_schedule_when_turned_off(no_schedule, settings, capsys):
    call_command("setup_schedule", "--cron", "30 23 * * *")
    settings.COLLECT_SCHEDULE = "off"
    call_command("setup_schedule")
    assert "removed" in capsys.readouterr().out
    assert not Schedule.objects.filter(name=SCHEDULE_NAME).exists()


def test_it_also_sets_up_the_notification_schedules(no_schedule, settings, capsys):
    settings.NOTIFY_ALERTS_SCHEDULE = "off"
    call_command("setup_schedule")
    out = capsys.readouterr().out
    assert "ghtraffic weekly digest: created; cron '0 7 * * 1' (UTC)" in out
    assert "ghtraffic traffic alerts: absent" in out
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        SCHEDULE_NAME, "ghtraffic credential warnings", "ghtraffic weekly digest",
    }
