"""`POST /integrations/line/webhook/`: verify, store each event once, answer 200, process later."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casesys.common import jsonsafe
from casesys.inbound.services import inbound_event_store
from integrations.common.webhook import (
    MAX_BODY_BYTES,
    hmac_sha256_b64_matches,
    plain_error,
    utc_from_epoch,
    wake_processing,
)
from integrations.line.client import line_enabled

logger = logging.getLogger(__name__)

PROVIDER = "line"


def _external_id(event: dict) -> str:
    webhook_event_id = event.get("webhookEventId")
    if isinstance(webhook_event_id, str) and webhook_event_id:
        return webhook_event_id
    # Every real event has one; if not, the event's own content identifies a redelivery.
    digest = hashlib.sha256(jsonsafe.digest_bytes(event)).hexdigest()
    return f"sha256:{digest}"


def _occurred_at(event: dict) -> dt.datetime | None:
    ts = event.get("timestamp")  # milliseconds
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        return None
    try:
        return utc_from_epoch(ts / 1000)
    except OverflowError:  # an integer too large for a float
        return None


def _redelivery(event: dict) -> bool:
    context = event.get("deliveryContext")
    return isinstance(context, dict) and context.get("isRedelivery") is True


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if not line_enabled():
        return plain_error(404, "LINE 連接器未啟用 / LINE connector is switched off")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return plain_error(413, "內容過大 / Payload too large")
    body = request.body  # the raw bytes LINE signed: verify before looking inside
    if not hmac_sha256_b64_matches(
        body=body, signature=request.headers.get("X-Line-Signature"), secret=settings.LINE_CHANNEL_SECRET
    ):
        return plain_error(403, "簽章錯誤 / Invalid signature")
    try:
        data = jsonsafe.loads(body)
    except ValueError:
        return plain_error(400, "JSON 格式錯誤 / Malformed JSON")
    if not isinstance(data, dict) or not isinstance(data.get("events"), list) or not all(
        isinstance(e, dict) for e in data["events"]
    ):
        return plain_error(400, "缺少 events 陣列 / Body must have an events array")

    destination = data.get("destination") if isinstance(data.get("destination"), str) else ""
    stored = duplicates = 0
    # No surrounding transaction: each event is its own single-statement insert, idempotent
    # by its webhook id, so a request cut short stores a prefix and LINE's redelivery stores
    # the rest (the stored ones come back as duplicates).
    for raw in data["events"]:
        _event, created = inbound_event_store(
            provider=PROVIDER,
            external_id=_external_id(raw),
            payload=raw,
            event_type=str(raw.get("type") or "")[:60],
            occurred_at=_occurred_at(raw),
            meta={"destination": destination, "redelivery": _redelivery(raw)},
        )
        stored += created
        duplicates += not created
    if stored:
        wake_processing(PROVIDER)
    # An empty events list is LINE's "Verify" button: nothing to store, still 200.
    return JsonResponse({"stored": stored, "duplicates": duplicates})
