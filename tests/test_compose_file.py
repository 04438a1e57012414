"""docker-compose.yml and .env.example agree with the image, the app's settings and the process tests.

No Docker engine runs here, so the compose file is read as data: the same commands, signals and
environment variables that the Dockerfile, the entrypoint and the real-process tests use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker")
# Read by the image's own files rather than settings.py.
IMAGE_VARIABLES = {"MIGRATE_ON_START", "PORT", "WEB_CONCURRENCY"}
# Used by compose itself (interpolation in docker-compose.yml), not passed to the app on purpose.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD", "WEB_PORT"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def settings_variables() -> set[str]:
    source = (ROOT / "ghtraffic" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source))


def image_variables() -> set[str]:
    names: set[str] = set()
    for path in ("Dockerfile", "docker-entrypoint.sh", "scripts/healthcheck.py"):
        names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", (ROOT / path).read_text()))
        names |= set(re.findall(r'environ(?:\.get)?\(\s*"([A-Z][A-Z0-9_]+)"', (ROOT / path).read_text()))
    return names


def interpolated(text: str) -> set[str]:
    """Variables compose substitutes from .env (`${NAME}`, `${NAME:-default}`, `${NAME:?message}`)."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


def test_it_runs_web_worker_postgres_and_redis(compose):
    assert set(compose["services"]) == {"web", "worker", "db", "redis"}


def test_it_runs_the_worker_as_the_process_tests_do_and_stops_it_with_sigint(compose):
    worker = compose["services"]["worker"]
    assert worker["command"] == ["python", "manage.py", "qcluster"]
    assert worker["stop_signal"] == "SIGINT"
    # The image's stop signal for every process, and what tests/test_qcluster_e2e.py sends.
    assert re.search(r"^STOPSIGNAL SIGINT$", (ROOT / "Dockerfile").read_text(), re.M)
    assert "process.send_signal(signal.SIGINT)" in (ROOT / "tests" / "test_qcluster_e2e.py").read_text()
    assert "manage.py qcluster" in (ROOT / "README.md").read_text()


def test_it_serves_the_web_with_the_images_gunicorn_command_and_migrates_there_only(compose):
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert "command" not in web  # the image's CMD
    assert "gunicorn ghtraffic.wsgi:application" in (ROOT / "Dockerfile").read_text()
    assert web["environment"]["MIGRATE_ON_START"] == "true"
    assert worker["environment"]["MIGRATE_ON_START"] == "false"
    assert 'MIGRATE_ON_START:-true' in (ROOT / "docker-entrypoint.sh").read_text()
    assert any(port.endswith(":8000") for port in web["ports"])
    assert re.search(r"^ENV .*PORT=8000", (ROOT / "Dockerfile").read_text(), re.M)


def test_it_builds_one_image_for_web_and_worker_from_one_env_file(compose):
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    for service in (web, worker):
        assert service["build"] == "." and service["env_file"] == ".env"
    assert web["image"] == worker["image"]
    # Web and worker share broker, queue name, database and keys: one anchor for both.
    assert web["environment"] | {"MIGRATE_ON_START": None} == worker["environment"] | {"MIGRATE_ON_START": None}


def test_it_gives_the_app_what_production_requires(compose):
    environment = compose["services"]["web"]["environment"]
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in environment, name
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"):
        # Taken from .env, and compose refuses to start without it.
        assert environment[name].startswith(f"${{{name}:?"), name
    assert "DEBUG" not in environment and "DEBUG" not in env_example()


def test_it_points_database_url_and_redis_url_at_its_own_services(compose):
    services = compose["services"]
    environment = services["web"]["environment"]
    database = dj_database_url.parse(re.sub(r"\$\{[^}]*\}", "password", environment["DATABASE_URL"]))
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"]) == ("db", 5432)
    db_env = services["db"]["environment"]
    assert (database["USER"], database["NAME"]) == (db_env["POSTGRES_USER"], db_env["POSTGRES_DB"])
    assert "${POSTGRES_PASSWORD" in environment["DATABASE_URL"] and "${POSTGRES_PASSWORD" in db_env["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"redis://redis:6379/\d+", environment["REDIS_URL"])


def test_it_sets_only_variables_the_app_reads(compose):
    read = settings_variables() | IMAGE_VARIABLES
    assert {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    for name in APP_SERVICES:
        unknown = set(compose["services"][name]["environment"]) - read
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"
    assert image_variables() >= IMAGE_VARIABLES


def test_it_lists_in_the_example_env_only_variables_the_app_or_compose_read():
    text = (ROOT / "docker-compose.yml").read_text()
    example = set(env_example())
    unknown = example - settings_variables() - COMPOSE_ONLY_VARIABLES
    assert not unknown, f".env.example names variables nothing reads: {unknown}"
    assert interpolated(text) >= COMPOSE_ONLY_VARIABLES


def test_it_lists_every_variable_compose_needs_in_the_example_env():
    text = (ROOT / "docker-compose.yml").read_text()
    assert interpolated(text) <= set(env_example())


def test_it_checks_the_health_of_every_service_and_starts_in_order(compose):
    services = compose["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] == "CMD", name
    assert services["web"]["healthcheck"]["test"][1:] == ["python", "scripts/healthcheck.py"]
    assert services["worker"]["healthcheck"]["test"][1:] == ["python", "scripts/healthcheck.py", "worker"]
    for name in APP_SERVICES:
        for dependency in ("db", "redis"):
            assert services[name]["depends_on"][dependency]["condition"] == "service_healthy"
    # The worker starts once the web service has migrated.
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_it_keeps_the_database_in_a_named_volume(compose):
    volumes = compose["volumes"]
    assert "pgdata" in volumes
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    for service in compose["services"].values():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in volumes, mount


def test_it_ships_an_example_env_that_is_safe_to_copy():
    example = env_example()
    # Secrets are left empty (never a shared default); the user generates them.
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "POSTGRES_PASSWORD"):
        assert example[name] == "", name
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
    assert ".env" in (ROOT / ".gitignore").read_text().split()
