"""Schemathesis against the project's own OpenAPI schema, through the WSGI app, as a tenant admin.

Every operation gets a bounded number of generated requests (valid ones and deliberately invalid
ones); none may answer 5xx, and every answer must match the schema: declared status code, declared
content type, body valid against the response schema. Path parameters point at the member's real
tenant and repository half of the time, so the requests get past the 404s into the views.
"""

from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics, WeeklyTraffic
from stats.traffic.periods import today_utc

POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REAL_PATH = {"tenant_slug": "acme", "owner": "acme", "name": "rocket"}


@pytest.fixture
def wsgi_app():
    # The test database lives in one transaction: keep Django from closing the connection between
    # requests, as django.test.Client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def traffic(world):
    today = today_utc()
    for offset in range(1, 20):
        day = today - timedelta(days=offset)
        DailyTraffic.objects.create(repository=world.repo_a, date=day, views=offset, unique_views=1, clones=2)
        RepositoryMetrics.objects.create(repository=world.repo_a, date=day, stars=offset, forks=1, watchers=2)
    WeeklyTraffic.objects.create(
        repository=world.repo_a, week_start=today - timedelta(days=today.weekday() + 7), views=9, unique_views=3
    )
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=today, referrer="github.com", count=5, uniques=2)
    PathSnapshot.objects.create(repository=world.repo_a, date=today, path="/", title="Home", count=5, uniques=2)
    return world


def _fuzz(strategy, *, examples: int, headers: dict[str, str], checks: list, statuses: Counter) -> int:
    """Run `examples` generated cases; returns how many were sent. Raises on the first failure."""
    sent = 0

    @given(case=strategy)
    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def exercise(case) -> None:
        nonlocal sent
        sent += 1
        response = case.call_and_validate(headers=headers, checks=checks)
        statuses[(case.operation.label, response.status_code)] += 1

    exercise()
    return sent


@pytest.mark.slow
def test_it_survives_fuzzing_of_every_operation(traffic, wsgi_app):
    token = AuthToken.objects.create(user=traffic.owner_a)[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    # Deletes last, so the reads still find the repository.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: (operation.method.upper() == "DELETE", operation.label),
    )
    assert len(operations) >= 8, "the schema lists too few operations"
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    statuses: Counter = Counter()
    sent = 0
    for operation in operations:
        fixed = {key: value for key, value in REAL_PATH.items() if "{" + key + "}" in operation.path}
        for mode, examples, checks in [
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES, CHECKS),
            # Invalid requests: no 5xx and a declared error answer. (negative_data_rejection is left out:
            # an empty `?to=` means "not given" on purpose, as HTML forms send empty fields.)
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, CHECKS),
        ]:
            strategy = st.one_of(
                operation.as_strategy(generation_mode=mode, path_parameters=fixed),
                operation.as_strategy(generation_mode=mode, path_parameters={"tenant_slug": "acme"}),
            )
            try:
                sent += _fuzz(strategy, examples=examples, headers=headers, checks=checks, statuses=statuses)
            except Unsatisfiable:
                # Nothing to make invalid: the only parameters are the fixed real path ones.
                assert mode == GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
            except (FailureGroup, Exception) as error:  # a report for every failing operation, not just the first
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
    assert sent >= len(operations) * 2
    # The fuzzing got past authentication and the tenant/repository lookup into every read view.
    answered = {label for (label, status), _ in statuses.items() if status == 200}
    for operation in operations:
        if operation.method.upper() == "GET":
            assert operation.label in answered, f"{operation.label} never answered 200: {statuses}"
