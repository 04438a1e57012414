from unittest import mock

from django.db import OperationalError


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
