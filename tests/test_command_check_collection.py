import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")


def collect_today(repository):
    repository.last_success_at = timezone.now()
    repository.save()


def test_it_exits_1_and_names_the_repository_at_risk(world, capsys):
    collect_today(world.repo_a)
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_collection")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "globex" in out and "globex/secret-plans: never collected" in out
    assert "acme/rocket" not in out


def test_it_exits_0_when_everything_is_fresh(world, capsys):
    collect_today(world.repo_a)
    call_command("check_collection", "--tenant", "acme")
    assert "all tenants collected in time" in capsys.readouterr().out


def test_it_emails_the_admins_of_tenants_at_risk(world):
    world.repo_a.last_success_at = timezone.now() - datetime.timedelta(days=12)
    world.repo_a.save()
    collect_today(world.repo_b)
    with pytest.raises(SystemExit):
        call_command("check_collection", "--email")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@acme.test"]
    assert "acme/rocket" not in mail.outbox[0].subject and "at risk" in mail.outbox[0].subject


def test_it_rejects_an_unknown_tenant_in_one_line(world, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_collection", "--tenant", "nope")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == "unknown tenant: nope"
