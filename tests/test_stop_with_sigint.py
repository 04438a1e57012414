"""scripts/stop_with_sigint.py turns a process manager's SIGTERM into the SIGINT qcluster needs, and
Procfile.dev (what `make run` starts with honcho) runs the worker through it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "scripts" / "stop_with_sigint.py"

# Like qcluster: stops cleanly on SIGINT, hangs on SIGTERM.
LIKE_QCLUSTER = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
signal.signal(signal.SIGTERM, lambda *a: out.with_suffix(".term").write_text("ignored"))
signal.signal(signal.SIGINT, lambda *a: (out.with_suffix(".int").write_text("stopped"), sys.exit(0)))
out.with_suffix(".ready").write_text(str(__import__("os").getpid()))
while True:
    time.sleep(0.05)
"""
DEAF = """
import pathlib, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
pathlib.Path(sys.argv[1]).with_suffix(".ready").write_text(str(__import__("os").getpid()))
while True:
    time.sleep(0.05)
"""


def start(tmp_path: Path, child_source: str, *extra: str) -> tuple[subprocess.Popen, int]:
    """The wrapper in a session of its own, as honcho starts each Procfile line; returns it and the child's pid."""
    marker = tmp_path / "child"
    wrapper = subprocess.Popen([sys.executable, str(WRAPPER), *extra, "--", sys.executable, "-c", child_source,
                                str(marker)], start_new_session=True)
    deadline = time.monotonic() + 30
    while not marker.with_suffix(".ready").exists():
        assert wrapper.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return wrapper, int(marker.with_suffix(".ready").read_text())


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_it_stops_the_command_with_sigint_when_the_manager_sends_sigterm(tmp_path):
    wrapper, child = start(tmp_path, LIKE_QCLUSTER)
    os.killpg(wrapper.pid, signal.SIGTERM)  # what honcho does to each process on Ctrl-C
    assert wrapper.wait(timeout=30) == 0
    assert (tmp_path / "child.int").read_text() == "stopped"
    assert not (tmp_path / "child.term").exists()
    assert not alive(child)


def test_it_kills_a_command_that_outlives_the_grace_period(tmp_path):
    wrapper, child = start(tmp_path, DEAF, "--grace", "0.5")
    wrapper.send_signal(signal.SIGINT)
    assert wrapper.wait(timeout=30) == 128 + signal.SIGKILL
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_it_exits_with_the_commands_status():
    result = subprocess.run([sys.executable, str(WRAPPER), "--", sys.executable, "-c", "raise SystemExit(3)"],
                            timeout=30)
    assert result.returncode == 3


def test_it_runs_the_web_server_and_the_worker_from_procfile_dev():
    processes = parse_procfile((ROOT / "Procfile.dev").read_text()).processes
    assert set(processes) == {"web", "worker"}
    assert "manage.py runserver" in processes["web"] and "${PORT" in processes["web"]
    assert processes["worker"].split() == ["exec", "python", "scripts/stop_with_sigint.py", "--", "python",
                                           "manage.py", "qcluster"]
    makefile = (ROOT / "Makefile").read_text()
    assert "honcho --env /dev/null -f Procfile.dev start" in makefile
