"""POST /hooks/collect/ against replays: a signed request needs a signed timestamp in the window and a
unique delivery id (body "nonce" or X-GitHub-Delivery), each accepted once; tokens expire; two secrets
during a rotation; `manage.py webhook_token --days`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.core.management import CommandError, call_command
from django.test import Client

from stats.collection import scheduling
from stats.collection.webhook import TOKEN_SALT, signature_for, webhook_token_make, webhook_token_verify
from stats.models import CollectionRun, WebhookDelivery

SECRET = "replay-test-secret"
OLD_SECRET = "replay-test-old-secret"
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
URL = "/hooks/collect/"


@pytest.fixture
def send(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.WEBHOOK_SECRET = SECRET
    settings.WEBHOOK_SECRET_PREVIOUS = ""
    settings.COLLECT_MIN_INTERVAL = 0
    monkeypatch.setattr(scheduling, "async_task", lambda *args, **kwargs: None)

    def post(body: dict | bytes, *, secret: str | None = SECRET, at: datetime = NOW, headers: dict | None = None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if secret is not None:
            all_headers["X-Hub-Signature-256"] = signature_for(raw, secret=secret)
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return Client().post(URL, data=raw, content_type="application/json", headers=all_headers)

    return post


def stamped(nonce: str, **extra: object) -> dict:
    return {"timestamp": int(NOW.timestamp()), "nonce": nonce, "tenant": "acme", **extra}


def test_it_accepts_a_signed_body_only_once(send) -> None:
    body = stamped("delivery-0001")
    assert send(body).status_code == 202
    replay = send(body)
    assert replay.status_code == 409
    assert "replayed" in replay.json()["error"]
    assert CollectionRun.objects.count() == 1


def test_it_refuses_a_nonce_seen_before_even_in_another_body(send) -> None:
    assert send(stamped("delivery-0002")).status_code == 202
    assert send(stamped("delivery-0002", tenant="globex")).status_code == 409
    assert send(stamped("delivery-0003", tenant="globex")).status_code == 202


def test_it_takes_githubs_delivery_header_as_the_id(send) -> None:
    body = {"timestamp": int(NOW.timestamp()), "tenant": "acme"}
    headers = {"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}
    assert send(body, headers=headers).status_code == 202
    # The same id again, or the same signed body under a new (unsigned) header id: both replays.
    later = {"timestamp": int(NOW.timestamp()) + 1, "tenant": "acme"}
    assert send(later, headers=headers).status_code == 409
    assert send(body, headers={"X-GitHub-Delivery": "0b-new-id-0000"}).status_code == 409


def test_it_requires_a_signed_timestamp_and_a_delivery_id(send) -> None:
    no_timestamp = send({"nonce": "delivery-0004", "tenant": "acme"})
    assert no_timestamp.status_code == 401 and no_timestamp.json()["error"].startswith("timestamp:")
    no_id = send({"timestamp": int(NOW.timestamp()), "tenant": "acme"})
    assert no_id.status_code == 401 and no_id.json()["error"].startswith("delivery id:")
    assert send(stamped("short")).status_code == 400
    assert send(stamped(12345678)).status_code == 400
    assert CollectionRun.objects.count() == 0


def test_it_refuses_a_timestamp_outside_the_window(send) -> None:
    stale = stamped("delivery-0005", timestamp=int((NOW - timedelta(minutes=6)).timestamp()))
    assert send(stale).status_code == 401


def test_it_forgets_deliveries_older_than_the_window(send) -> None:
    assert send(stamped("delivery-0006")).status_code == 202
    assert WebhookDelivery.objects.count() == 2  # the id and the body
    later = NOW + timedelta(hours=1)
    fresh = {"timestamp": int(later.timestamp()), "nonce": "delivery-0007", "tenant": "acme"}
    assert send(fresh, at=later).status_code == 202
    assert WebhookDelivery.objects.count() == 2
    assert not WebhookDelivery.objects.filter(received_at=NOW).exists()


def test_it_refuses_an_expired_token(send, world) -> None:
    token = webhook_token_make(secret=SECRET, days=30, now=NOW - timedelta(days=31))
    response = send({"token": token}, secret=None)
    assert response.status_code == 401
    valid = webhook_token_make(secret=SECRET, days=30, now=NOW - timedelta(days=29))
    assert send({"token": valid}, secret=None).status_code == 202


def test_it_refuses_a_token_without_an_expiry(send) -> None:
    """Tokens issued before expiries existed never lapsed: they are refused now."""
    legacy = signing.dumps({"tenant": None}, key=SECRET, salt=TOKEN_SALT)
    assert send({"token": legacy}, secret=None).status_code == 401
    assert send({}, secret=None, headers={"Authorization": f"Bearer {legacy}"}).status_code == 401


def test_it_accepts_the_previous_secret_during_a_rotation(send, settings) -> None:
    old_token = webhook_token_make(secret=OLD_SECRET, now=NOW)
    assert send(stamped("delivery-0008"), secret=OLD_SECRET).status_code == 401
    assert send({"token": old_token}, secret=None).status_code == 401
    settings.WEBHOOK_SECRET_PREVIOUS = OLD_SECRET
    assert send(stamped("delivery-0009"), secret=OLD_SECRET).status_code == 202
    assert send({"token": old_token}, secret=None).status_code == 202
    assert send(stamped("delivery-0010"), secret=SECRET).status_code == 202
    assert send(stamped("delivery-0011"), secret="a-third-secret").status_code == 401


def test_it_issues_tokens_with_an_expiry(world, settings, capsys) -> None:
    settings.WEBHOOK_SECRET = "cmd-secret"
    with time_machine.travel(NOW, tick=False):
        call_command("webhook_token", "--days", "7")
    out, err = capsys.readouterr()
    token = out.strip()
    assert "valid until 2026-06-08 08:00 UTC" in err
    assert webhook_token_verify(token, secret="cmd-secret", now=NOW + timedelta(days=6, hours=23)) is not None
    assert webhook_token_verify(token, secret="cmd-secret", now=NOW + timedelta(days=7)) is None


def test_it_refuses_a_token_lifetime_under_a_day(world, settings) -> None:
    settings.WEBHOOK_SECRET = "cmd-secret"
    with pytest.raises(CommandError) as error:
        call_command("webhook_token", "--days", "0")
    assert error.value.returncode == 2
