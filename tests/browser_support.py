"""Shared set-up of the browser tests: Playwright driving Debian's Chromium against live_server.

Test modules set `pytestmark = BROWSER_MARKS` and use the `page` fixture (tests/conftest.py);
screenshots go to ARTIFACTS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: apt-get install -y chromium"),
]


def log_in(page: Any, live_server: Any, username: str = "alice") -> None:
    from tests.conftest import PASSWORD  # here: conftest imports this module

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
