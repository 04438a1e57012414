"""Runs the project's fake GitHub (devtools.fake_github.FakeGitHub) in its own process for bench/collect.py.

Prints its base URL on the first line of stdout, then serves until SIGINT or SIGTERM, so the
collector's timings and memory are not mixed with the server's. Each line "stats" read on stdin
is answered with one JSON line: requests served, how many were 304, rate-limit remaining.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, required=True)
    parser.add_argument("--owner", default="bench-org")
    parser.add_argument("--latency", type=float, default=50.0, help="milliseconds per request")
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate-limit", type=int, default=5000, help="requests per hour per token")
    args = parser.parse_args()

    from devtools.fake_github import FakeGitHub
    from devtools.fake_github_http import GitHubHandler

    # The handler writes headers and body in two send() calls; on a kept-alive connection Nagle's
    # algorithm then holds the body until the client's delayed ACK (~40 ms on Linux), which would
    # double every 200 response's latency. Real GitHub does not do that, so the bench turns it off.
    GitHubHandler.disable_nagle_algorithm = True

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeGitHub(latency=args.latency / 1000, rate_limit=args.rate_limit) as fake:
        fake.set_today(date.today())
        for index in range(args.repos):
            fake.add_repo(f"{args.owner}/repo-{index:05d}", github_id=20_000_000 + index)

        def answer_stats() -> None:
            for line in sys.stdin:
                if line.strip() == "stats":
                    budget = fake.budgets.get(args.token)
                    print(json.dumps({
                        # Budgeted requests: each batch's free budget check (GET /rate_limit) is not one.
                        "requests": fake.request_count() - fake.request_count(path_contains="/rate_limit"),
                        "not_modified": fake.request_count(status=304),
                        "remaining": budget.remaining if budget else args.rate_limit,
                    }), flush=True)
            stop.set()  # stdin closed: the benchmark is gone

        threading.Thread(target=answer_stats, daemon=True).start()
        print(fake.url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
