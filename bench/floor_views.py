"""Floor for LINE webhook ingest: the least a Django view can do for one event — verify the
HMAC signature, store the same InboundEvent row, answer 200."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from casesys.inbound.models import InboundEvent


@csrf_exempt
def line_floor(request):
    body = request.body
    expected = base64.b64encode(hmac.new(settings.LINE_CHANNEL_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, request.headers.get("X-Line-Signature", "")):
        return HttpResponse(status=403)
    event = json.loads(body)["events"][0]
    InboundEvent.objects.create(
        provider="benchfloor", external_id=event["webhookEventId"], event_type=event["type"], payload=event
    )
    return JsonResponse({"stored": 1})
