"""Facebook page webhook: GET verification handshake, signed POSTs stored then processed.

Switched off (404) unless FACEBOOK_VERIFY_TOKEN (handshake) and FACEBOOK_APP_SECRET
(signatures) are set. The POST answers 200 as soon as the changes are stored; a task turns
matching posts and comments into leads.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from casesys.common import jsonsafe
from casesys.common.publish import publish_best_effort
from integrations.facebook.services import facebook_payload_store
from integrations.facebook.signature import verify

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


def _enqueue(event_ids: list[int]) -> None:
    from integrations.facebook.tasks import process_facebook_event

    # Broker down: the sweep task picks the stored events up later.
    publish_best_effort(process_facebook_event, ([event_id] for event_id in event_ids))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        verify_token = getattr(settings, "FACEBOOK_VERIFY_TOKEN", "")
        if not verify_token:
            raise Http404("Facebook 未啟用 / Facebook connector is switched off")
        mode = request.GET.get("hub.mode", "")
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if mode == "subscribe" and hmac.compare_digest(token.encode(), verify_token.encode()):
            return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
        return HttpResponseForbidden("驗證失敗 / Verification failed", content_type="text/plain; charset=utf-8")

    secret = getattr(settings, "FACEBOOK_APP_SECRET", "")
    if not secret:
        raise Http404("Facebook 未啟用 / Facebook connector is switched off")
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponse("內容過大 / Payload too large", status=413)
    if not verify(body, request.headers.get("X-Hub-Signature-256"), secret):
        return HttpResponseForbidden("簽章錯誤 / Bad signature", content_type="text/plain; charset=utf-8")
    try:
        payload = jsonsafe.loads(body)
    except ValueError:
        return JsonResponse({"detail": "JSON 格式錯誤 / Malformed JSON"}, status=400)
    with transaction.atomic():
        new = facebook_payload_store(payload=payload)
        ids = [e.pk for e in new]
        transaction.on_commit(lambda: _enqueue(ids))
    return JsonResponse({"received": len(new)})
