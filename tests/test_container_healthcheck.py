"""The Docker health check reaches /healthz with a Host that Django accepts in production."""

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "healthcheck.py"


def run_against(status: int, allowed_hosts: str) -> tuple[int, list[str]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers["Host"])
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "PORT": str(server.server_address[1]), "ALLOWED_HOSTS": allowed_hosts}
        result = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, timeout=30)
    finally:
        server.shutdown()
    return result.returncode, seen


def test_it_sends_the_first_allowed_host_and_passes_on_200():
    code, hosts = run_against(200, "traffic.example.com,.example.org")
    assert code == 0 and hosts == ["traffic.example.com"]


def test_it_fails_on_an_error_status():
    code, hosts = run_against(503, ".example.org")
    assert code == 1 and hosts == ["example.org"]
