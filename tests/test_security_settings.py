"""Security settings: `check --deploy` clean with a production-like environment, CSRF enforced on
forms, CSP without inline script, configurable session expiry."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "OIDC_", "SECURE_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY="Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o=",
        ALLOWED_HOSTS="ghtraffic.example.com",
        DATABASE_URL="sqlite:///:memory:",
        DJANGO_SETTINGS_MODULE="ghtraffic.settings",
        **extra,
    )
    return env


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_it_passes_check_deploy_with_a_production_environment() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_uses_secure_cookies_hsts_and_a_configurable_session_age_in_production() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_AGE)"
    )
    result = _run(code, _production_env(SESSION_COOKIE_AGE="3600"))
    assert result.stdout.split() == ["True", "True", "True", "True", "3600"], result.stderr


def test_it_enforces_csrf_on_forms(world) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    client.force_login(world.owner_a)
    assert client.post("/t/acme/settings/", {"name": "Hijacked"}).status_code == 403
    world.tenant_a.refresh_from_db()
    assert world.tenant_a.name == "Acme"
    # Session-authenticated API writes need the token too.
    assert (
        client.put("/api/v1/t/acme/github-credential/", {"token": "x"}, content_type="application/json").status_code
        == 403
    )


def test_it_sends_a_csp_without_inline_script(db) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
