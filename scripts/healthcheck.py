"""Container health check: GET /healthz on the local web process with a Host Django accepts.

Plain 127.0.0.1 is usually not in ALLOWED_HOSTS in production (Django would answer 400), so the
first allowed host is sent as the Host header. Exit 0 when healthy, 1 otherwise.
"""

import os
import sys
import urllib.request


def main() -> int:
    allowed = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    host = next((h.lstrip(".") for h in allowed if h != "*"), "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
