"""The gateway's callbacks: ``/integrations/sms/token=<secret>/status/`` (delivery reports) and
``/integrations/sms/token=<secret>/reply/`` (citizens' SMS, two-way accounts).

Mitake signs nothing, so the callback URL carries a secret path part
(`SMS_CALLBACK_SECRET`, compared in constant time); it is given to the gateway with each
message (`transport.callback_url`). Each report is stored once as an inbound event
(idempotent: the gateway's repeats are duplicates) and processed by `handlers` in a task;
the answer is the acknowledgement the gateway expects. The mobile number of a delivery
report is not stored: the message id finds the notice.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from casesys.inbound.services import inbound_event_store
from integrations.common.webhook import plain_error, secret_token_matches, wake_processing
from integrations.sms.providers import get_provider
from integrations.sms.transport import CHANNEL

logger = logging.getLogger(__name__)


def _params(request: HttpRequest) -> dict[str, str]:
    # Mitake calls the status URL with GET; accept a form POST as well.
    merged = {**request.GET.dict(), **request.POST.dict()}
    return {k: v for k, v in merged.items() if isinstance(v, str)}


def _refuse(status: int, message: str) -> HttpResponse:
    """A 4xx that Django's request logger does not write: its line quotes the full URL, with
    the path secret URL-encoded past the redaction and the citizen's number in the query."""
    response = plain_error(status, message)
    response._has_been_logged = True  # django.utils.log.log_response skips it
    logger.warning("SMS callback refused (%s): %s", status, message)
    return response


def _check(request: HttpRequest, secret: str) -> HttpResponse | None:
    if not settings.SMS_CALLBACK_SECRET or not get_provider().is_configured():
        return _refuse(404, "簡訊回報未啟用 / SMS callbacks are switched off")
    if not secret_token_matches(header=secret, secret=settings.SMS_CALLBACK_SECRET):
        return _refuse(403, "驗證失敗 / Invalid callback secret")
    return None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def status_callback(request: HttpRequest, secret: str) -> HttpResponse:
    refused = _check(request, secret)
    if refused is not None:
        return refused
    provider = get_provider()
    report = provider.parse_report(_params(request))
    if report is None:
        return _refuse(400, "缺少 msgid / msgid is required")
    _event, created = inbound_event_store(
        provider=CHANNEL,
        external_id=f"status:{report.message_id}:{report.status}"[:200],
        event_type="status",
        payload={
            "msgid": report.message_id,
            "status": report.status,
            "delivered": report.delivered,
            "detail": report.detail,
        },
    )
    if created:
        wake_processing(CHANNEL)
    return HttpResponse(provider.callback_answer(report), content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def reply_callback(request: HttpRequest, secret: str) -> HttpResponse:
    refused = _check(request, secret)
    if refused is not None:
        return refused
    reply = get_provider().parse_reply(_params(request))
    if reply is None:
        return _refuse(400, "缺少 msgid 或來源門號 / msgid and srcaddr are required")
    digest = hashlib.sha256(f"{reply.sender}:{reply.message_id}".encode()).hexdigest()[:32]
    _event, created = inbound_event_store(
        provider=CHANNEL,
        external_id=f"reply:{digest}",
        event_type="reply",
        payload={"msgid": reply.message_id, "sender": reply.sender, "text": reply.text[:500]},
    )
    if created:
        wake_processing(CHANNEL)
    return HttpResponse("OK", content_type="text/plain; charset=utf-8")
