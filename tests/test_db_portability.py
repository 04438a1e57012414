"""ghtraffic runs on SQLite, PostgreSQL and IBM Db2 (ibm-db-django, which has no JSONField)."""

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.db import models

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_has_no_field_db2_cannot_store():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"tenants", "repos", "stats"}
        for field in model._meta.get_fields()
        if isinstance(field, models.JSONField)
    ]
    assert offenders == []


def test_it_passes_system_checks_with_the_db2_engine():
    result = run_manage("check", database_url="db2://u:p@127.0.0.1:50000/x")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_has_no_missing_migrations(tmp_path):
    result = run_manage("makemigrations", "--check", "--dry-run", database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert result.returncode == 0, result.stdout + result.stderr
