"""collect_traffic --enqueue: queue runs for the workers instead of collecting inline."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from stats.models import CollectionRun

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")


def test_it_queues_a_run_per_tenant(world, queued, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("collect_traffic", "--enqueue")
    runs = list(CollectionRun.objects.order_by("tenant__slug"))
    assert [run.tenant.slug for run in runs] == ["acme", "globex"]
    assert all(run.trigger == CollectionRun.Trigger.COMMAND and run.is_active for run in runs)
    assert sorted(call[1] for call in queued) == sorted(run.pk for run in runs)
    out = capsys.readouterr().out
    assert f"acme: run {runs[0].pk} queued (1 repository)" in out
    # Nothing was collected inline.
    assert all(run.started is None for run in runs)


def test_it_exits_3_when_a_tenant_got_nothing_queued(world, queued, capsys):
    call_command("collect_traffic", "--enqueue", "--tenant", "acme")
    with pytest.raises(SystemExit) as exit_info:
        call_command("collect_traffic", "--enqueue", "--tenant", "acme")
    assert exit_info.value.code == 3
    assert "acme: nothing queued: collection already running for acme" in capsys.readouterr().err
    assert CollectionRun.objects.count() == 1


def test_it_refuses_repo_with_enqueue(world, queued):
    with pytest.raises(CommandError) as error:
        call_command("collect_traffic", "--enqueue", "--repo", "acme/rocket")
    assert error.value.returncode == 2
    assert not CollectionRun.objects.exists()
