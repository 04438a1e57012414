"""Signed webhook `POST /hooks/collect/`: a cron/ping service asks for a collection run.

The caller proves it knows WEBHOOK_SECRET (or, during a rotation, WEBHOOK_SECRET_PREVIOUS) in one of two
ways, both checked in constant time before the body is acted on:
1. `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>` (GitHub's convention). The signed
   body must carry `"timestamp": <unix seconds>` within 5 minutes of the server clock and a unique
   delivery id: `"nonce": "<8-100 of A-Z a-z 0-9 - _>"` in the body, or GitHub's `X-GitHub-Delivery`
   header. A delivery id, and a signed body, is accepted once: repeats within the window are refused.
2. a token from `manage.py webhook_token` (Django signing, keyed by the secret, with an expiry), sent as
   `Authorization: Bearer <token>` or `{"token": "…"}` in the JSON body, for senders that can only send
   a fixed body and fixed headers (Code Engine ping subscriptions): such a request is the same every
   time, so a token is replayable until it expires; the collection throttle bounds what a replay does.
   A token may be limited to one tenant.

Body (JSON object): `{"tenant": "slug", "timestamp": …, "nonce": "…"}`. Without WEBHOOK_SECRET the
endpoint answers 503: there is no built-in default secret and unsigned calls are never accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from common.errors import error_response
from stats.collection import scheduling
from stats.models import CollectionRun, WebhookDelivery
from tenants.models import Tenant
from tenants.scoping import system_scope

logger = logging.getLogger(__name__)

TOKEN_SALT = "ghtraffic.webhook.collect"
SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"
DELIVERY_HEADER = "HTTP_X_GITHUB_DELIVERY"
DELIVERY_ID_PATTERN = re.compile(r"[-a-zA-Z0-9_]{8,100}")
DEFAULT_TOKEN_DAYS = 365
# A ping body is a few dozen bytes; anything big is not a ping.
MAX_BODY_BYTES = 16 * 1024
# Replay protection: a body's "timestamp" must be this close to the server clock.
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
INVALID_SIGNATURE = "invalid signature"
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class WebhookError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who passed authentication: `tenant_slug` is set when the token is limited to one tenant."""

    method: str
    tenant_slug: str | None = None


def webhook_secrets() -> list[str]:
    """The secrets accepted now: WEBHOOK_SECRET, plus WEBHOOK_SECRET_PREVIOUS during a rotation."""
    if not settings.WEBHOOK_SECRET:
        return []
    previous = getattr(settings, "WEBHOOK_SECRET_PREVIOUS", "")
    return [settings.WEBHOOK_SECRET] + ([previous] if previous else [])


def webhook_token_make(
    *, tenant: Tenant | None = None, secret: str | None = None, days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> str:
    """A token for `Authorization: Bearer …` or `{"token": …}`, valid `days` days; limited to `tenant` when given."""
    key = secret if secret is not None else settings.WEBHOOK_SECRET
    if not key:
        raise ValueError("WEBHOOK_SECRET is not set")
    if days < 1:
        raise ValueError("days must be at least 1")
    expires = int(((now or timezone.now()) + timedelta(days=days)).timestamp())
    return signing.dumps({"tenant": tenant.slug if tenant else None, "exp": expires}, key=key, salt=TOKEN_SALT)


def webhook_token_expiry(token: str, *, secret: str) -> datetime | None:
    """When a token made with this secret expires (None: not made with it)."""
    payload = _token_payload(token, secret=secret)
    return datetime.fromtimestamp(payload["exp"], tz=timezone.get_current_timezone()) if payload else None


def _token_payload(token: str, *, secret: str) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, key=secret, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("tenant"), str | None):
        return None
    # Tokens from before expiries existed (no "exp") are refused: issue new ones.
    expires = payload.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int):
        return None
    return payload


def webhook_token_verify(token: str, *, secret: str, now: datetime | None = None) -> Caller | None:
    """The caller a token stands for, or None if it was not made with this secret or has expired."""
    payload = _token_payload(token, secret=secret)
    if payload is None or payload["exp"] <= (now or timezone.now()).timestamp():
        return None
    return Caller(method="token", tenant_slug=payload.get("tenant"))


def _token_verify_any(token: str, *, secrets: list[str], now: datetime) -> Caller | None:
    for secret in secrets:
        caller = webhook_token_verify(token, secret=secret, now=now)
        if caller is not None:
            return caller
    return None


def ping_body(*, tenant: str | None = None, now: datetime | None = None) -> bytes:
    """A body for an HMAC-signed ping: the current timestamp and a fresh nonce (what senders build)."""
    data: dict[str, Any] = {"timestamp": int((now or timezone.now()).timestamp()), "nonce": uuid.uuid4().hex}
    if tenant is not None:
        data["tenant"] = tenant
    return json.dumps(data).encode()


def signature_for(body: bytes, *, secret: str) -> str:
    """The X-Hub-Signature-256 header value for `body` (what senders compute)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str, *, secret: str) -> bool:
    expected = signature_for(body, secret=secret).encode()
    # Header values arrive as latin-1 decoded str; compare bytes so odd characters cannot raise.
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise WebhookError(400, "invalid Content-Length") from None
    if declared > MAX_BODY_BYTES:
        raise WebhookError(413, f"body too large (limit {MAX_BODY_BYTES} bytes)")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise WebhookError(413, f"body too large (limit {MAX_BODY_BYTES} bytes)")
    return body


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(request: HttpRequest, body: bytes) -> dict[str, Any]:
    """The body as a JSON object ({} when empty). Raises WebhookError 415/400."""
    if not body.strip():
        return {}
    content_type = (request.content_type or "").lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise WebhookError(415, f"unsupported content type {content_type!r}: send application/json")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookError(400, "body is not valid UTF-8") from None
    try:
        # NaN/Infinity are not JSON (and NaN would slip through every timestamp comparison);
        # deep nesting that fits in the size cap must not surface as a 500 either.
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise WebhookError(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise WebhookError(400, "body must be a JSON object")
    return data


def _authenticate(
    request: HttpRequest, body: bytes, *, secrets: list[str], now: datetime
) -> tuple[Caller, dict[str, Any]]:
    """Check the signature or token, then parse. Nothing in the body is used before the check
    passes, except the `token` field, which is itself the credential."""
    signature = request.META.get(SIGNATURE_HEADER)
    if signature is not None:
        # Every secret is tried (no early exit), so timing does not tell which one matched.
        matches = [signature_valid(body, signature, secret=secret) for secret in secrets]
        if not any(matches):
            raise WebhookError(401, INVALID_SIGNATURE)
        return Caller(method="hmac"), _parse_json(request, body)

    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        caller = _token_verify_any(token.strip(), secrets=secrets, now=now) if scheme.lower() == "bearer" else None
        if caller is None:
            raise WebhookError(401, INVALID_SIGNATURE)
        return caller, _parse_json(request, body)

    # A fixed-body sender: the token travels in the JSON body. A body we cannot read carries no token.
    try:
        data = _parse_json(request, body)
    except WebhookError:
        raise WebhookError(401, INVALID_SIGNATURE) from None
    token = data.get("token")
    caller = _token_verify_any(token, secrets=secrets, now=now) if isinstance(token, str) else None
    if caller is None:
        raise WebhookError(401, INVALID_SIGNATURE)
    return caller, data


def _check_timestamp(data: dict[str, Any], *, now: datetime, required: bool) -> None:
    if "timestamp" not in data:
        if required:
            raise WebhookError(401, "timestamp: a signed request must carry \"timestamp\" (Unix seconds) in its body")
        return
    value = data["timestamp"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WebhookError(400, "timestamp: must be Unix seconds (a number)")
    if abs(now.timestamp() - value) > TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookError(401, "timestamp: more than 5 minutes away from the server clock (replayed or clock skew)")


def _delivery_keys(request: HttpRequest, body: bytes, data: dict[str, Any]) -> list[str]:
    """What makes a signed request unique: its delivery id (body "nonce" or X-GitHub-Delivery) and
    the signed body itself (the header is not signed: a replay with a new header id is still the same body)."""
    nonce = data.get("nonce")
    header = request.META.get(DELIVERY_HEADER)
    if nonce is not None:
        if not isinstance(nonce, str) or not DELIVERY_ID_PATTERN.fullmatch(nonce):
            raise WebhookError(400, "nonce: must be 8-100 characters of A-Z, a-z, 0-9, - and _")
        delivery = f"nonce:{nonce}"
    elif header is not None and DELIVERY_ID_PATTERN.fullmatch(header.strip()):
        delivery = f"delivery:{header.strip()}"
    else:
        raise WebhookError(
            401, "delivery id: a signed request needs a unique \"nonce\" in its body or an X-GitHub-Delivery header"
        )
    return [hashlib.sha256(delivery.encode()).hexdigest(), hashlib.sha256(b"body:" + body).hexdigest()]


def _delivery_record(keys: list[str], *, now: datetime) -> None:
    """Remember an accepted delivery for the replay window; a key seen before means a replay (409)."""
    window = timedelta(seconds=TIMESTAMP_TOLERANCE_SECONDS * 2)
    WebhookDelivery.objects.filter(received_at__lt=now - window).delete()
    try:
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create([WebhookDelivery(key=key, received_at=now) for key in keys])
    except IntegrityError:
        raise WebhookError(409, "replayed request: this delivery id or signed body was already accepted") from None


def _target_tenant(data: dict[str, Any], caller: Caller) -> Tenant | None:
    """The tenant the call limits the run to, or None for all tenants."""
    slug = data.get("tenant")
    # Only slug characters reach the database: a lone surrogate or NUL from a JSON escape cannot be encoded.
    if slug is not None and (not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug)):
        raise WebhookError(400, "tenant: must be a tenant slug (a string)")
    if caller.tenant_slug is not None:
        if slug is not None and slug != caller.tenant_slug:
            raise WebhookError(401, "token is limited to another tenant")
        slug = caller.tenant_slug
    if slug is None:
        return None
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise WebhookError(400, f"tenant: unknown tenant {slug!r}")
    return tenant


def collect_hook_handle(request: HttpRequest, *, now: datetime | None = None) -> JsonResponse:
    """The webhook, with an injectable clock (tests)."""
    now = now or timezone.now()
    secrets = webhook_secrets()
    if not secrets:
        return error_response("webhook disabled: WEBHOOK_SECRET is not configured", status=503)
    try:
        body = _read_body(request)
        caller, data = _authenticate(request, body, secrets=secrets, now=now)
        signed = caller.method == "hmac"
        _check_timestamp(data, now=now, required=signed)
        tenant = _target_tenant(data, caller)
        if signed:
            _delivery_record(_delivery_keys(request, body, data), now=now)
    except WebhookError as exc:
        if exc.status in {401, 409}:
            logger.warning("webhook refused: %s", exc.message)
        return error_response(exc.message, status=exc.status)

    outcomes = scheduling.collection_request_all(
        tenant=tenant, trigger=CollectionRun.Trigger.WEBHOOK, now=now
    )
    queued = [o.run.pk for o in outcomes if o.run is not None]
    skipped = [{"tenant": o.tenant.slug, "reason": o.message} for o in outcomes if o.run is None]
    if queued:
        message = f"queued {len(queued)} run(s)"
    elif skipped:
        message = "nothing queued: " + "; ".join(f"{s['tenant']}: {s['reason']}" for s in skipped)
    else:
        message = "nothing queued: no tenant has active repositories"
    return JsonResponse({"queued": queued, "skipped": skipped, "message": message}, status=202)


@csrf_exempt
@system_scope()  # scope: the webhook may queue every tenant (system work, authenticated by its secret)
def collect_hook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = error_response("method not allowed: use POST", status=405)
        response["Allow"] = "POST"
        return response
    return collect_hook_handle(request)
