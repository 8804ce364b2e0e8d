"""`/integrations/facebook/webhook/`: GET answers the subscription handshake; a signed POST
stores each page change once, answers 200 and wakes the common drain (like LINE/Telegram).

Switched off (404) unless FACEBOOK_VERIFY_TOKEN (handshake) and FACEBOOK_APP_SECRET
(signatures) are set. Processing is `integrations.facebook.handlers.handle_event`, run by
`integrations.common.processing`; the sweep picks up whatever a lost wake-up left pending.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from casesys.common import jsonsafe
from casesys.inbound.services import inbound_event_store
from integrations.common.webhook import (
    MAX_BODY_BYTES,
    hub_signature_matches,
    plain_error,
    wake_processing,
)
from integrations.facebook.parser import parse_changes

PROVIDER = "facebook"


def _handshake(request: HttpRequest) -> HttpResponse:
    verify_token = getattr(settings, "FACEBOOK_VERIFY_TOKEN", "")
    if not verify_token:
        return plain_error(404, "Facebook 連接器未啟用 / Facebook connector is switched off")
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    if mode == "subscribe" and hmac.compare_digest(token.encode(), verify_token.encode()):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain; charset=utf-8")
    return plain_error(403, "驗證失敗 / Verification failed")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    secret = getattr(settings, "FACEBOOK_APP_SECRET", "")
    if not secret:
        return plain_error(404, "Facebook 連接器未啟用 / Facebook connector is switched off")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return plain_error(413, "內容過大 / Payload too large")
    body = request.body  # the raw bytes Facebook signed: verify before looking inside
    if not hub_signature_matches(body=body, signature=request.headers.get("X-Hub-Signature-256"), secret=secret):
        return plain_error(403, "簽章錯誤 / Invalid signature")
    try:
        payload = jsonsafe.loads(body)
    except ValueError:
        return plain_error(400, "JSON 格式錯誤 / Malformed JSON")

    stored = duplicates = 0
    # No surrounding transaction: each change is its own idempotent insert, so a request cut
    # short stores a prefix and Facebook's retry stores the rest (the stored ones come back
    # as duplicates).
    for change in parse_changes(payload):
        _event, created = inbound_event_store(
            provider=PROVIDER,
            external_id=change.external_id,
            payload={"page_id": change.page_id, "field": change.field, "value": change.value},
            event_type=f"{change.field}.{change.item}.{change.verb}"[:60],
            occurred_at=change.created_time,
        )
        stored += created
        duplicates += not created
    if stored:
        wake_processing(PROVIDER)
    return JsonResponse({"stored": stored, "duplicates": duplicates})
