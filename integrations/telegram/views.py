"""`POST /integrations/telegram/webhook/`: check the secret header, store the update once, answer 200."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casesys.common import jsonsafe
from casesys.inbound.services import inbound_event_store
from integrations.common.webhook import (
    MAX_BODY_BYTES,
    plain_error,
    secret_token_matches,
    utc_from_epoch,
    wake_processing,
)
from integrations.telegram.client import telegram_enabled

PROVIDER = "telegram"
# Keys of an Update other than update_id: the first present one names the event type.
UPDATE_KINDS = (
    "message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member",
    "callback_query", "inline_query", "chat_join_request", "message_reaction",
)


def _occurred_at(update: dict) -> dt.datetime | None:
    for kind in UPDATE_KINDS:
        body = update.get(kind)
        if isinstance(body, dict) and isinstance(body.get("date"), int):
            return utc_from_epoch(body["date"])
    return None


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if not telegram_enabled():
        return plain_error(404, "Telegram 連接器未啟用 / Telegram connector is switched off")
    if not secret_token_matches(
        header=request.headers.get("X-Telegram-Bot-Api-Secret-Token"), secret=settings.TELEGRAM_WEBHOOK_SECRET
    ):
        return plain_error(403, "驗證失敗 / Invalid secret token")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return plain_error(413, "內容過大 / Payload too large")
    try:
        update = jsonsafe.loads(request.body)
    except ValueError:
        return plain_error(400, "JSON 格式錯誤 / Malformed JSON")
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return plain_error(400, "缺少 update_id / update_id is required")

    kind = next((k for k in UPDATE_KINDS if k in update), next((k for k in update if k != "update_id"), ""))
    _event, created = inbound_event_store(
        provider=PROVIDER,
        external_id=str(update_id),
        payload=update,
        event_type=kind[:60],
        occurred_at=_occurred_at(update),
    )
    if created:
        wake_processing(PROVIDER)
    return JsonResponse({"stored": int(created), "duplicates": int(not created)})
