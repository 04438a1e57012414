"""Run a command; when told to stop (SIGTERM or SIGINT), stop it with SIGINT.

django-q2's `qcluster` hangs on SIGTERM (django-q2 issue #346) but stops cleanly on SIGINT. Process
managers such as honcho (`make run`) stop every process with SIGTERM to its process group, so
Procfile.dev runs the worker through this wrapper: the command gets a process group of its own (the
manager's SIGTERM reaches only the wrapper) and the wrapper sends that group SIGINT, as Ctrl-C in a
terminal would. A command still running `--grace` seconds later (a long task) gets SIGKILL, so
nothing outlives the wrapper; honcho itself kills what is left 5 seconds after its SIGTERM.

    python scripts/stop_with_sigint.py [--grace SECONDS] -- COMMAND [ARG ...]

Exits with the command's status (128 + N when signal N ended it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already gone
        os.killpg(pgid, signum)


def run(command: list[str], *, grace: float) -> int:
    child = subprocess.Popen(command, start_new_session=True)
    stop_requested: list[float] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if not stop_requested:
            stop_requested.append(time.monotonic())
            _signal_group(child.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    killed = False
    while True:
        try:
            code = child.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if stop_requested and not killed and time.monotonic() - stop_requested[0] > grace:
                print(f"{command[0]}: still running {grace:g}s after SIGINT, sending SIGKILL", file=sys.stderr)
                _signal_group(child.pid, signal.SIGKILL)
                killed = True
    # Whatever the command left in its group (it normally leaves nothing) does not outlive it.
    _signal_group(child.pid, signal.SIGKILL)
    return 128 - code if code < 0 else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grace", type=float, default=4.0, help="seconds between SIGINT and SIGKILL (default 4)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return run(command, grace=args.grace)


if __name__ == "__main__":
    sys.exit(main())
