"""A database shared between the test and real `manage.py` processes, for the process-level fault tests.

pytest-django's test database lives inside one transaction (or in memory, on SQLite), which no other
process can see. These tests need workers that are real processes: they get their own migrated
database (a temporary SQLite file, or `<test db>_proc<pid>` on the PostgreSQL server the suite runs
on), reached from the test through the extra alias "proc".
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
ALIAS = "proc"


@dataclass
class ProcessDatabase:
    url: str
    vendor: str

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"DATABASE_URL": self.url, "DEBUG": "true", "LOG_LEVEL": "WARNING", "REDIS_URL": ""})
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(**env), capture_output=True, text=True, timeout=timeout, check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )


def _postgres_admin(default: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=default["HOST"] or "127.0.0.1", port=default["PORT"] or 5432, user=default["USER"] or "postgres",
        password=default["PASSWORD"] or None, dbname="postgres", autocommit=True,
    ) as conn:
        conn.execute(sql)


@contextmanager
def process_database() -> Iterator[ProcessDatabase]:
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3"):
        directory = Path(tempfile.mkdtemp(prefix="ghtraffic-proc-"))
        url = f"sqlite:///{directory / 'proc.sqlite3'}"
        database = ProcessDatabase(url, "sqlite")
        drop: Callable[[], None] = lambda: [p.unlink() for p in directory.iterdir()] and None  # noqa: E731
    else:
        base = (default.get("TEST", {}).get("NAME") or f"test_{default['NAME']}").removeprefix("test_")
        name = f"{base}_proc{os.getpid()}"[:60]
        _postgres_admin(default, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _postgres_admin(default, f"CREATE DATABASE {name}")
        user = default["USER"] or "postgres"
        url = f"postgres://{user}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}/{name}"
        database = ProcessDatabase(url, "postgresql")
        drop = lambda: _postgres_admin(default, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # noqa: E731
    try:
        migrated = database.manage("migrate", "--noinput", "-v", "0", timeout=180)
        assert migrated.returncode == 0, migrated.stderr
        config = dj_database_url.parse(url)
        if database.vendor == "sqlite":
            config["OPTIONS"] = {"timeout": 20}
        connections.settings[ALIAS] = connections.configure_settings({"default": dict(default), ALIAS: config})[ALIAS]
        yield database
    finally:
        if ALIAS in connections.settings:
            connections[ALIAS].close()
            del connections.settings[ALIAS]
            with suppress(AttributeError, KeyError):
                del connections[ALIAS]
        drop()


def wait_for(condition: Callable[[], bool], *, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def seed_tenant(slug: str, names: list[str], *, token: str, github: object) -> object:
    """A tenant with repositories `slug/<name>` (known to `github`, a FakeGitHub) and a credential."""
    from repos.models import Repository
    from tenants.crypto import encrypt_secret
    from tenants.models import GitHubCredential, Tenant

    tenant = Tenant.objects.using(ALIAS).create(slug=slug, name=slug.title())
    for name in names:
        github_id = 500_000 + zlib.crc32(f"{slug}/{name}".encode()) % 100_000
        Repository.objects.using(ALIAS).create(tenant=tenant, owner=slug, name=name, github_id=github_id)
        github.add_repo(f"{slug}/{name}", github_id=github_id)  # type: ignore[attr-defined]
    GitHubCredential.objects.using(ALIAS).create(
        tenant=tenant, token_encrypted=encrypt_secret(token), token_last4=token[-4:]
    )
    return tenant


def window_rows(repository_id: int) -> list[date]:
    from stats.models import DailyTraffic

    return list(
        DailyTraffic.objects.using(ALIAS).filter(repository_id=repository_id).values_list("date", flat=True)
    )
