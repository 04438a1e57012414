from unittest import mock

import pytest
from django.db import OperationalError

# Tenant A collects acme/rocket alone here (see the rocket_only fixture).
pytestmark = pytest.mark.usefixtures("rocket_only")


def test_it_answers_ok_when_the_database_is_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_answers_503_when_the_database_is_unreachable(client, db):
    with mock.patch("ghtraffic.health.connection.cursor", side_effect=OperationalError("boom")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_it_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_it_reports_tenants_at_risk_when_asked_deeply(client, world):
    from django.utils import timezone

    world.repo_a.last_success_at = timezone.now()
    world.repo_a.save()
    response = client.get("/healthz?deep=1")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "at_risk"
    assert body["collection"] == {
        "tenants_at_risk": 1,
        "repositories_at_risk": 1,
        "tenants_whose_last_run_failed": 0,
        "tenants_over_capacity": 0,
    }
    assert "globex" not in response.content.decode()  # unauthenticated: counts only, no tenant names
    world.repo_b.last_success_at = timezone.now()
    world.repo_b.save()
    assert client.get("/healthz?deep=1").json()["status"] == "ok"
