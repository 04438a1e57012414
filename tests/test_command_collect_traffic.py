"""`manage.py collect_traffic`: exit codes, summary, progress bar, bad arguments, busy tenant; --enqueue."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stats.collection import services
from stats.models import CollectionRun, DailyTraffic
from tests.collection_support import follow, give_token

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def gh(fake_github, world):
    give_token(world.tenant_a)
    give_token(world.tenant_b)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.add_repo("globex/secret-plans", github_id=world.repo_b.github_id)
    # The command collects for the real "today": the fake serves the same day.
    fake_github.set_today(timezone.now().date())
    return fake_github


def run_command(*args: str, stdout: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    try:
        call_command("collect_traffic", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_collects_every_tenant_and_prints_a_summary(gh, world):
    code, out, _ = run_command()
    assert code == 0
    assert "acme (run " in out and "globex (run " in out
    assert "repos 1/1 ok, 0 failed; days stored 15; requests 7, 304s 0" in out
    assert "total: repos 2/2 ok" in out
    assert "[#" not in out  # no progress bar when not on a terminal
    assert DailyTraffic.objects.filter(repository=world.repo_b).count() == 15


def test_it_exits_1_and_names_the_failures(gh, world):
    follow(gh, world.tenant_a, "acme/locked")
    gh.inject_fault("acme/locked", "no_push_access")
    code, out, _ = run_command("--tenant", "acme")
    assert code == 1
    assert "repos 1/2 ok, 1 failed" in out
    assert "failed acme/locked: token lacks access: needs push access" in out
    assert not CollectionRun.objects.filter(tenant=world.tenant_b).exists()


def test_it_collects_only_the_named_repositories(gh, world):
    follow(gh, world.tenant_a, "acme/engine")
    code, _, _ = run_command("--repo", "ACME/Engine", "--concurrency", "2")
    assert code == 0
    run = CollectionRun.objects.get()
    assert run.tenant == world.tenant_a and run.repos_total == 1 and run.trigger == "command"
    assert not DailyTraffic.objects.filter(repository=world.repo_a).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tenant", "nope"), "unknown tenant: nope"),
        (("--repo", "acme/nope"), "unknown repository: acme/nope"),
        (("--repo", "rocket"), "--repo must be OWNER/NAME"),
        (("--tenant", "globex", "--repo", "acme/rocket"), "unknown repository: acme/rocket"),
        (("--concurrency", "0"), "--concurrency must be at least 1"),
    ],
)
def test_it_rejects_bad_arguments_with_exit_2_and_collects_nothing(gh, world, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("collect_traffic", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 2
    assert not CollectionRun.objects.exists()


def test_it_exits_3_when_the_tenant_is_already_collecting(gh, world):
    busy = services.collection_run_start(tenant=world.tenant_a, trigger="webhook")
    code, out, err = run_command()
    assert code == 3
    assert f"collection already running for acme (run {busy.pk})" in err
    assert "globex (run " in out  # the other tenant is still collected


def test_it_draws_a_progress_bar_on_a_terminal_only_without_quiet(gh, world):
    code, out, _ = run_command("--tenant", "acme", stdout=Terminal())
    assert code == 0 and "acme [##############################] 1/1" in out
    code, out, err = run_command("--tenant", "acme", "--quiet", stdout=Terminal())
    assert code == 0 and out == "" and err == ""


def test_it_is_idempotent_from_the_command_line(gh, world):
    run_command("--tenant", "acme")
    code, out, _ = run_command("--tenant", "acme")
    assert code == 0 and "days stored 0; requests 6, 304s 6" in out  # metadata: GraphQL


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
