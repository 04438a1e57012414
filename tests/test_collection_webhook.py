"""POST /hooks/collect/: HMAC signature or signed token, replay window, throttled repeats.
Replay protection (delivery ids, expiring tokens, secret rotation): test_webhook_replay.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from stats.collection.webhook import MAX_BODY_BYTES, signature_for, webhook_token_make
from stats.models import CollectionRun, RunItem

SECRET = "webhook-test-secret"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
URL = "/hooks/collect/"


@pytest.fixture
def hook(world, settings, queued, django_capture_on_commit_callbacks):
    settings.WEBHOOK_SECRET = SECRET
    settings.COLLECT_MIN_INTERVAL = 600
    client = Client()

    def post(body: bytes | dict | None = None, *, signature: str | None = None, sign_with: str | None = SECRET,
             content_type: str = "application/json", stamp: bool = True, **extra: str):
        if isinstance(body, dict) and stamp and (sign_with is not None or signature is not None):
            # A signed request carries a fresh timestamp and a unique nonce (explicit values win).
            body = {"timestamp": int(NOW.timestamp()), "nonce": uuid.uuid4().hex, **body}
        raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
        if signature is None and sign_with is not None:
            signature = signature_for(raw, secret=sign_with)
        headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
        with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=raw, content_type=content_type, headers=headers, **extra)

    return post


def runs() -> list[CollectionRun]:
    return list(CollectionRun.objects.order_by("pk"))


def test_it_queues_every_tenant_with_a_valid_hmac(hook, world, queued):
    response = hook({})
    assert response.status_code == 202
    body = response.json()
    created = runs()
    assert body["queued"] == [run.pk for run in created]
    assert {run.tenant for run in created} == {world.tenant_a, world.tenant_b}
    assert all(run.trigger == CollectionRun.Trigger.WEBHOOK for run in created)
    # One task per batch, carrying the run's own item ids, queued after commit.
    items = {run.pk: list(RunItem.objects.filter(run=run).values_list("pk", flat=True)) for run in created}
    assert sorted((call[1], call[2]) for call in queued) == sorted(items.items())
    assert all(call[0] == "stats.collection.tasks.collect_items" for call in queued)


def test_it_refuses_an_empty_signed_body(hook):
    # It carries no timestamp: a signed body is only good with one (and a delivery id).
    response = hook(b"")
    assert response.status_code == 401
    assert response.json()["error"].startswith("timestamp:")
    assert runs() == []


def test_it_limits_the_run_to_the_tenant_in_the_body(hook, world):
    response = hook({"tenant": "acme"})
    assert response.status_code == 202
    assert [run.tenant for run in runs()] == [world.tenant_a]


def test_it_accepts_a_valid_bearer_token(hook, world):
    token = webhook_token_make(tenant=None, secret=SECRET)
    response = hook({"tenant": "globex"}, sign_with=None, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 202, response.content
    assert [run.tenant for run in runs()] == [world.tenant_b]


def test_it_accepts_a_valid_token_in_the_body(hook, world):
    token = webhook_token_make(tenant=world.tenant_a, secret=SECRET)
    response = hook({"token": token}, sign_with=None)
    assert response.status_code == 202, response.content
    # A tenant-limited token without "tenant" collects its own tenant only.
    assert [run.tenant for run in runs()] == [world.tenant_a]


def test_it_refuses_a_signature_made_with_a_wrong_secret(hook, queued):
    response = hook({"tenant": "acme"}, sign_with="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert runs() == [] and queued == []


def test_it_refuses_a_tampered_body(hook, queued):
    signature = signature_for(json.dumps({"tenant": "acme"}).encode(), secret=SECRET)
    response = hook({"tenant": "globex"}, signature=signature)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert runs() == [] and queued == []


def test_it_refuses_a_call_without_signature_or_token(hook, queued):
    response = hook({"tenant": "acme"}, sign_with=None)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert runs() == [] and queued == []


def test_it_refuses_a_malformed_signature_header(hook):
    assert hook({}, signature="sha1=abc").status_code == 401
    assert hook({}, signature="sha256=zz\u00e9").status_code == 401
    assert runs() == []


def test_it_refuses_a_token_made_with_another_secret(hook):
    token = webhook_token_make(tenant=None, secret="other-secret")
    assert hook({}, sign_with=None, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert hook({"token": token}, sign_with=None).status_code == 401
    assert hook({}, sign_with=None, HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==").status_code == 401
    assert runs() == []


def test_it_refuses_a_token_for_another_tenant(hook, world, queued):
    token = webhook_token_make(tenant=world.tenant_a, secret=SECRET)
    response = hook({"tenant": "globex"}, sign_with=None, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert "another tenant" in response.json()["error"]
    response = hook({"tenant": "globex", "token": token}, sign_with=None)
    assert response.status_code == 401
    assert runs() == [] and queued == []


def test_it_refuses_a_stale_timestamp(hook, queued):
    stale = int((NOW - timedelta(minutes=5, seconds=1)).timestamp())
    response = hook({"timestamp": stale})
    assert response.status_code == 401
    assert response.json()["error"].startswith("timestamp:")
    future = int((NOW + timedelta(minutes=6)).timestamp())
    assert hook({"timestamp": future}).status_code == 401
    assert runs() == [] and queued == []


def test_it_accepts_a_fresh_timestamp(hook):
    fresh = int((NOW - timedelta(minutes=4)).timestamp())
    assert hook({"timestamp": fresh, "tenant": "acme"}).status_code == 202
    assert len(runs()) == 1


def test_it_answers_400_for_a_timestamp_that_is_not_a_number(hook):
    response = hook({"timestamp": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("timestamp:")


def test_it_answers_400_for_malformed_json(hook, queued):
    response = hook(b'{"tenant": "acme"')
    assert response.status_code == 400
    assert response.json() == {"error": "body is not valid JSON"}
    assert hook(b"[1, 2]").status_code == 400
    assert runs() == [] and queued == []


def test_it_answers_400_for_invalid_utf8(hook):
    response = hook(b'{"tenant": "\xff"}')
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]


def test_it_answers_415_for_a_body_that_is_not_json(hook):
    response = hook(b"tenant=acme", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]
    assert runs() == []


def test_it_answers_413_for_a_body_over_the_cap_before_checking_anything(hook):
    big = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = hook(big)
    assert response.status_code == 413
    assert "error" in response.json()
    # Even unsigned: the size is checked before the signature.
    assert hook(big, sign_with=None).status_code == 413


def test_it_answers_400_for_an_unknown_tenant(hook):
    response = hook({"tenant": "initech"})
    assert response.status_code == 400
    assert response.json() == {"error": "tenant: unknown tenant 'initech'"}
    assert hook({"tenant": 7}).status_code == 400


def test_it_answers_503_when_the_secret_is_unset(hook, settings, queued):
    settings.WEBHOOK_SECRET = ""
    # Signed with the empty string: must still be refused, there is no default secret.
    response = hook({}, sign_with="")
    assert response.status_code == 503
    assert "WEBHOOK_SECRET" in response.json()["error"]
    assert runs() == [] and queued == []


def test_it_only_accepts_post(world, settings):
    settings.WEBHOOK_SECRET = SECRET
    response = Client().get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_it_does_not_need_a_csrf_token(hook, world, settings):
    settings.WEBHOOK_SECRET = SECRET
    client = Client(enforce_csrf_checks=True)
    raw = json.dumps({"tenant": "acme", "timestamp": int(NOW.timestamp()), "nonce": "csrf-free-1"}).encode()
    with time_machine.travel(NOW, tick=False):
        response = client.post(URL, data=raw, content_type="application/json",
                               headers={"X-Hub-Signature-256": signature_for(raw, secret=SECRET)})
    assert response.status_code == 202


def test_it_throttles_a_repeat_ping(hook, world, queued):
    first = hook({"tenant": "acme"})
    assert first.status_code == 202
    [run_id] = first.json()["queued"]
    assert len(queued) == 1

    # While the run is queued/running: nothing new, still 202, and it says why.
    again = hook({"tenant": "acme"})
    assert again.status_code == 202
    assert again.json()["queued"] == []
    assert str(run_id) in again.json()["message"]
    assert again.json()["skipped"][0]["tenant"] == "acme"

    # Finished 5 minutes ago (< COLLECT_MIN_INTERVAL of 10 minutes): still nothing.
    CollectionRun.objects.filter(pk=run_id).update(
        status=CollectionRun.Status.SUCCEEDED, finished=NOW - timedelta(minutes=5)
    )
    RunItem.objects.filter(run_id=run_id).update(status=RunItem.Status.OK)
    later = hook({"tenant": "acme"})
    assert later.status_code == 202
    assert later.json()["queued"] == []
    assert "COLLECT_MIN_INTERVAL" in later.json()["message"]
    assert len(queued) == 1 and len(runs()) == 1

    # Finished 11 minutes ago: a new run is queued.
    CollectionRun.objects.filter(pk=run_id).update(finished=NOW - timedelta(minutes=11))
    fresh = hook({"tenant": "acme"})
    assert fresh.status_code == 202
    assert len(fresh.json()["queued"]) == 1
    assert len(queued) == 2
