"""Settings are parsed from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ghtraffic.settings import env_bool, env_int, env_list

PROJECT_DIR = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL"}
    }
    clean.update(env)
    code = f"import ghtraffic.settings as s; print(repr(({expression})))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("Yes", True), ("off", False), ("0", False)]
)
def test_it_parses_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG") is expected


def test_it_rejects_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")


def test_it_parses_integers_and_lists(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "42")
    monkeypatch.setenv("SOME_LIST", " a.example , b.example ,, ")
    assert env_int("SOME_NUMBER", 1) == 42
    assert env_int("UNSET_NUMBER_FOR_TEST", 7) == 7
    assert env_list("SOME_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("SOME_NUMBER", "forty")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_it_refuses_to_start_without_secret_key_when_not_debug():
    result = settings_in_subprocess({"DEBUG": "false"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_an_encryption_key_when_not_debug():
    result = settings_in_subprocess({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "s.FIELD_ENCRYPTION_KEYS")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr


def test_it_reads_database_urls_for_each_engine():
    cases = {
        "postgres://u:p@db.example:5433/traffic": ("django.db.backends.postgresql", "traffic"),
        "db2://u:p@127.0.0.1:50000/x": ("ibm_db_django", "x"),
        "sqlite:////tmp/some.sqlite3": ("django.db.backends.sqlite3", "/tmp/some.sqlite3"),
    }
    for url, (engine, name) in cases.items():
        result = settings_in_subprocess(
            {"DEBUG": "true", "DATABASE_URL": url}, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == repr((engine, name))


def test_it_reads_a_list_of_encryption_keys_newest_first():
    result = settings_in_subprocess(
        {"DEBUG": "true", "FIELD_ENCRYPTION_KEY": "new-key, old-key"}, "s.FIELD_ENCRYPTION_KEYS"
    )
    assert result.stdout.strip() == "['new-key', 'old-key']"


def test_it_uses_redis_as_broker_only_when_configured():
    orm = settings_in_subprocess(
        {"DEBUG": "true", "REDIS_URL": ""}, "sorted(k for k in s.Q_CLUSTER if k in ('orm', 'redis'))"
    )
    redis = settings_in_subprocess(
        {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/0"},
        "sorted(k for k in s.Q_CLUSTER if k in ('orm', 'redis'))",
    )
    assert orm.stdout.strip() == "['orm']"
    cache = settings_in_subprocess(
        {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/0"}, "s.CACHES['default']['BACKEND']"
    )
    assert cache.stdout.strip() == repr("django.core.cache.backends.redis.RedisCache")
    assert redis.stdout.strip() == "['redis']"
