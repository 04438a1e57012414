"""The GitHub App's webhook `POST /hooks/github/`: GitHub announces repositories added to or removed
from an installation, renamed, transferred, archived or deleted repositories, and suspended or deleted
installations. Signed with GITHUB_APP_WEBHOOK_SECRET (`X-Hub-Signature-256`), each delivery
(`X-GitHub-Delivery`) acted on once."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common.errors import error_response
from repos.installations import WebhookPayloadError, installation_delivery_handle

logger = logging.getLogger(__name__)

# Django refuses bodies above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) anyway; say so with 413.
MAX_BODY_BYTES = 2_500_000


def _signature_valid(secret: str, body: bytes, signature: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


@csrf_exempt
@require_POST
def github_app_webhook(request: HttpRequest) -> JsonResponse:
    secret = settings.GITHUB_APP_WEBHOOK_SECRET
    if not secret:
        return error_response("the GitHub App webhook is not configured: set GITHUB_APP_WEBHOOK_SECRET", status=503)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return error_response("body too large", status=413)
    body = request.body
    if not _signature_valid(secret, body, request.META.get("HTTP_X_HUB_SIGNATURE_256", "")):
        return error_response("invalid signature", status=401)
    delivery_id = request.META.get("HTTP_X_GITHUB_DELIVERY", "").strip()
    event = request.META.get("HTTP_X_GITHUB_EVENT", "").strip()
    if not delivery_id or len(delivery_id) > 100 or not event:
        return error_response("X-GitHub-Delivery and X-GitHub-Event are required", status=400)
    try:
        payload = json.loads(body)
    except ValueError:
        return error_response("the body is not JSON", status=400)
    if not isinstance(payload, dict):
        return error_response("the body is not a JSON object", status=400)
    try:
        result = installation_delivery_handle(delivery_id=delivery_id, event=event, payload=payload)
    except WebhookPayloadError as exc:
        return error_response(f"unexpected {event} payload: {exc}", status=400)
    if result is None:
        return JsonResponse({"delivery": delivery_id, "result": "already handled"})
    logger.info("GitHub App delivery %s (%s): %s", delivery_id, event, result)
    return JsonResponse({"delivery": delivery_id, "result": result})
