"""Turn one stored LINE webhook event into case/lead writes and replies.

Called by `integrations.common.processing.process_inbound_event` inside the transaction
that marks the event processed; replies are after-commit callbacks, so a second run of
the same event (redelivered task, sweep) never replies twice.

- one-to-one (source `user`): text opens or extends the user's open LINE case; images,
  videos, audio and files are downloaded with the blob API and attached; a location sets
  the case's location; an unsend hides the message; 查詢/我的案件/新案件/說明 are commands.
- groups and rooms: messages are not cases. A message that mentions the bot, starts with
  #陳情 or matches a keyword rule becomes a lead; join/leave track membership.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from typing import Any

from django.conf import settings
from linebot.v3.messaging import ApiException
from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
    UserSource,
    VideoMessageContent,
)

from casesys.inbound.chat import (
    ChatFile,
    ChatLocation,
    chat_ack_claim,
    chat_ack_delivered,
    chat_ack_release,
    chat_message_mark_deleted,
    chat_message_record,
    chat_outbound_record,
)
from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import InboundEvent
from casesys.inbound.services import (
    chat_group_joined,
    chat_group_left,
    chat_group_seen,
    lead_record,
)
from integrations.common import chat as texts
from integrations.common.processing import Outcome
from integrations.line import client

logger = logging.getLogger(__name__)

PROVIDER = "line"
HASHTAG = "#陳情"

STATUS_COMMANDS = ("查詢", "查案", "/status")
MY_CASES_COMMANDS = ("我的案件", "/mycases")
NEW_CASE_COMMANDS = ("新案件", "新陳情", "/new")
HELP_COMMANDS = ("說明", "幫助", "help", "/help", "/start")


def _occurred(ev: Any) -> dt.datetime | None:
    ts = getattr(ev, "timestamp", None)
    return dt.datetime.fromtimestamp(ts / 1000, tz=dt.UTC) if ts else None


def handle_event(event: InboundEvent) -> Outcome:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        ev = Event.from_dict(payload)
    except Exception as exc:  # noqa: BLE001 - the SDK's UnknownEvent case, or a malformed event
        return Outcome.failed(f"無法辨識的 LINE 事件 / Unrecognised LINE event (type={payload.get('type')!r}): {exc}"[:2000])
    mode = getattr(ev, "mode", None)
    if mode is not None and getattr(mode, "value", mode) == "standby":
        return Outcome.ignored("待命模式：由其他模組回應 / Standby mode: another module answers this chat")

    destination = (event.meta or {}).get("destination", "")
    source = ev.source
    if isinstance(ev, MessageEvent):
        if isinstance(source, UserSource):
            return _user_message(ev, event)
        if isinstance(source, GroupSource | RoomSource):
            return _group_message(ev, event, destination)
        return Outcome.ignored("不明的訊息來源 / Unknown message source")
    if isinstance(ev, UnsendEvent):
        message = chat_message_mark_deleted(channel="line", external_id=ev.unsend.message_id)
        if message is None:
            # Out-of-order delivery: the message itself may still be on its way; when it
            # arrives, `_user_message` finds this event and stores the message as deleted.
            return Outcome.ignored("收回的訊息不屬於任何案件 / The unsent message is not part of a case")
        return Outcome()
    if isinstance(ev, FollowEvent):
        return _with_reply(Outcome(), ev, [texts.welcome_text()])
    if isinstance(ev, UnfollowEvent):
        return Outcome.ignored("使用者封鎖官方帳號 / The user blocked the official account")
    if isinstance(ev, JoinEvent | LeaveEvent):
        group_id, kind = _group_of(source)
        if not group_id:
            return Outcome.failed("加入/離開事件缺少群組 / Join/leave event without a group")
        if isinstance(ev, JoinEvent):
            chat_group_joined(provider=PROVIDER, group_id=group_id, kind=kind, at=_occurred(ev))
        else:
            chat_group_left(provider=PROVIDER, group_id=group_id, kind=kind, at=_occurred(ev))
        return Outcome()
    if isinstance(ev, MemberJoinedEvent | MemberLeftEvent):
        return Outcome.ignored("群組成員異動 / Group membership change")
    return Outcome.ignored(f"不處理的事件類型 / Event type not handled: {payload.get('type')}")


def _group_of(source: Any) -> tuple[str, str]:
    if isinstance(source, GroupSource):
        return source.group_id, "group"
    if isinstance(source, RoomSource):
        return source.room_id, "room"
    return "", ""


def _with_reply(outcome: Outcome, ev: Any, replies: list[str], *, case=None, ack=None, secret: str = "") -> Outcome:
    """Answer with the event's reply token after the commit.

    `ack` is the case's acknowledgement claimed from the outbox: marked sent when the reply
    went out, handed back to the outbox (push) when it did not.
    """
    token = getattr(ev, "reply_token", None)
    replies = [r for r in replies if r]
    if not replies:
        return outcome
    if case is not None:
        for text in replies:
            stored = text.replace(secret, "********") if secret else text
            chat_outbound_record(case=case, channel="line", text=stored, data={"via": "reply"})
    ack_id = ack.pk if ack is not None else None

    def send() -> None:
        try:
            if not token:
                raise RuntimeError("no reply token")
            client.reply(token, replies)
        except Exception as exc:  # noqa: BLE001 - expired token, network: the outbox pushes the ack
            logger.warning("LINE reply failed: %s", exc)
            if ack_id:
                chat_ack_release(notification_id=ack_id, error=str(exc))
            return
        if ack_id:
            chat_ack_delivered(notification_id=ack_id)

    outcome.after_commit.append(send)
    return outcome


# --- one-to-one --------------------------------------------------------------------------


def _command(text: str) -> tuple[str, str] | None:
    stripped = text.strip()
    for names, command in (
        (STATUS_COMMANDS, "status"),
        (MY_CASES_COMMANDS, "mycases"),
        (NEW_CASE_COMMANDS, "new"),
        (HELP_COMMANDS, "help"),
    ):
        for name in names:
            if stripped == name:
                return command, ""
            if command in ("status", "new") and stripped.startswith(name):
                argument = stripped[len(name):].strip()
                # "查詢一下路燈何時修" is a message, not a command: a status query names a case.
                if command == "status" and not texts.CASE_NUMBER_RE.fullmatch(argument.split()[0] if argument else ""):
                    continue
                return command, argument
    return None


def _without_password(event: InboundEvent, text: str, argument: str) -> dict | None:
    """The stored event with the status command's password replaced by ***, once checked."""
    redacted = texts.redact_status_command(text, argument)
    if redacted == text or not isinstance(event.payload, dict):
        return None
    payload = dict(event.payload)
    payload["message"] = {**payload.get("message", {}), "text": redacted}
    return payload


def _unsent_already(message_id: str) -> bool:
    return InboundEvent.objects.filter(
        provider=PROVIDER, event_type="unsend", payload__unsend__messageId=message_id
    ).exists()


def _user_message(ev: MessageEvent, event: InboundEvent) -> Outcome:
    user_id = ev.source.user_id
    if not user_id:
        return Outcome.failed("訊息缺少使用者 ID / Message without a user id")
    msg = ev.message
    sent_at = _occurred(ev)
    common: dict[str, Any] = {
        "channel": "line",
        "user_key": user_id,
        "external_id": msg.id,
        "sent_at": sent_at,
        "deleted": _unsent_already(msg.id),
        "data": {"webhook_event_id": ev.webhook_event_id},
    }
    force_new = False

    if isinstance(msg, TextMessageContent):
        command = _command(msg.text)
        if command is not None:
            name, argument = command
            if name == "status":
                answer = texts.status_reply(channel="line", user_key=user_id, argument=argument)
                return _with_reply(Outcome(payload=_without_password(event, msg.text, argument)), ev, [answer])
            if name == "mycases":
                return _with_reply(Outcome(), ev, [texts.my_cases_reply(channel="line", user_key=user_id)])
            if name == "help":
                return _with_reply(Outcome(), ev, [texts.welcome_text()])
            if name == "new" and not argument:
                texts.request_new_case(channel="line", user_key=user_id)
                return _with_reply(Outcome(), ev, [texts.new_case_prompt()])
            force_new = True
            result = chat_message_record(kind="text", text=argument, force_new=True, **common)
        else:
            force_new = texts.take_new_case_request(channel="line", user_key=user_id)
            result = chat_message_record(kind="text", text=msg.text, force_new=force_new, **common)
    elif isinstance(msg, ImageMessageContent | VideoMessageContent | AudioMessageContent | FileMessageContent):
        kind = {
            ImageMessageContent: "image",
            VideoMessageContent: "video",
            AudioMessageContent: "audio",
            FileMessageContent: "file",
        }[type(msg)]
        file, data = _download(msg, kind)
        common["data"].update(data)
        result = chat_message_record(kind=kind, file=file, **common)
    elif isinstance(msg, LocationMessageContent):
        location = ChatLocation(lat=msg.latitude, lng=msg.longitude, address=msg.address or "", title=msg.title or "")
        label = " ".join(x for x in (msg.title, msg.address) if x)
        common["data"].update({"lat": msg.latitude, "lng": msg.longitude})
        result = chat_message_record(kind="location", text=label, location=location, **common)
        if result is not None and not result.opened and not result.duplicate:
            return _with_reply(Outcome(), ev, [texts.location_text(result)], case=result.case)
    elif isinstance(msg, StickerMessageContent):
        common["data"].update({"package_id": msg.package_id, "sticker_id": msg.sticker_id})
        result = chat_message_record(kind="sticker", open_case=False, **common)
        if result is None:
            return Outcome.ignored("貼圖且沒有處理中的案件 / Sticker and no open case")
        return Outcome()  # a sticker needs no answer
    else:
        return Outcome.ignored(f"不處理的訊息類型 / Message type not handled: {getattr(msg, 'type', '?')}")

    if result is None or result.duplicate:
        return Outcome(reason="重複的訊息 / Message already recorded" if result else "")
    if result.opened:
        ack, ack_text = chat_ack_claim(case=result.case, channel="line")
        reply = ack_text or texts.opened_text(result)
        return _with_reply(Outcome(), ev, [reply], case=result.case, ack=ack, secret=result.password)
    return _with_reply(Outcome(), ev, [texts.appended_text(result)], case=result.case)


def _download(msg: Any, kind: str) -> tuple[ChatFile | None, dict[str, Any]]:
    provider = getattr(getattr(msg, "content_provider", None), "type", "line")
    provider = getattr(provider, "value", provider)
    if provider and provider != "line":
        # Sent through another provider (e.g. LIFF): LINE does not host the bytes.
        url = getattr(msg.content_provider, "original_content_url", "") or ""
        return None, {"content_url": url, "content_provider": provider}
    try:
        content, content_type = client.download_content(msg.id)
    except ApiException as exc:
        if exc.status and 400 <= exc.status < 500 and exc.status != 429:
            # Expired or removed content will never come back: keep the message, note it.
            return None, {"download_error": f"{exc.status} {exc.reason}"}
        raise  # temporary: the event stays pending and is retried
    name = getattr(msg, "file_name", None) or f"line-{msg.id}{mimetypes.guess_extension(content_type.split(';')[0]) or ''}"
    return ChatFile(name=name, content_type=content_type, content=content), {}


# --- groups and rooms ------------------------------------------------------------------


def _mentions_bot(msg: TextMessageContent, destination: str) -> tuple[bool, list[tuple[int, int]]]:
    mention = getattr(msg, "mention", None)
    spans: list[tuple[int, int]] = []
    hit = False
    bot_ids = {x for x in (destination, settings.LINE_BOT_USER_ID) if x}
    for mentionee in getattr(mention, "mentionees", None) or []:
        if getattr(mentionee, "is_self", False) or getattr(mentionee, "user_id", None) in bot_ids:
            hit = True
            spans.append((mentionee.index, mentionee.length))
    return hit, spans


def _strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    # LINE indexes mentions in UTF-16 code units; the Chinese text here is all in the BMP,
    # but convert properly anyway so emoji before a mention do not shift the cut.
    units = text.encode("utf-16-le")
    for index, length in sorted(spans, reverse=True):
        units = units[: index * 2] + units[(index + length) * 2 :]
    return units.decode("utf-16-le", errors="ignore")


def _group_message(ev: MessageEvent, event: InboundEvent, destination: str) -> Outcome:
    group_id, kind = _group_of(ev.source)
    group = chat_group_seen(provider=PROVIDER, group_id=group_id, kind=kind)
    msg = ev.message
    if not isinstance(msg, TextMessageContent):
        return Outcome.ignored(f"群組非文字訊息 / Non-text group message ({getattr(msg, 'type', '?')})")
    mentioned, spans = _mentions_bot(msg, destination)
    text = _strip_spans(msg.text, spans).strip() if spans else msg.text.strip()
    reason = ""
    rule = None
    if mentioned:
        reason = "mention"
    if text.startswith(HASHTAG):
        reason = reason or "hashtag"
        text = text[len(HASHTAG):].strip()
    if not reason:
        rule = match_keywords(text)
        if rule is not None:
            reason = "keyword"
    elif text:
        rule = match_keywords(text)
    if not reason:
        # Understood and irrelevant: keep the event, not the neighbours' chatter.
        payload = dict(event.payload)
        payload["message"] = {**payload.get("message", {}), "text": "（已略過的群組對話 / redacted chatter）"}
        return Outcome.ignored("群組一般對話（未提及、無 #陳情、無關鍵字）/ Group chatter (no mention, #陳情 or keyword)", payload=payload)
    sender_id = getattr(ev.source, "user_id", None) or ""
    lead, created = lead_record(
        source=PROVIDER,
        external_id=msg.id,
        text=text or msg.text,
        occurred_at=_occurred(ev),
        reason=reason,
        rule=rule,
        group=group,
        sender_id=sender_id[:100],
        sender_name=client.display_name_in_group(kind, group_id, sender_id)[:200],
        raw={"message_id": msg.id, "full_text": msg.text, "webhook_event_id": ev.webhook_event_id, "event": event.payload},
    )
    outcome = Outcome()
    if created and reason in ("mention", "hashtag"):
        # Someone addressed the bot: confirm in the group. Keyword matches stay silent.
        _with_reply(outcome, ev, [texts.lead_received_text()])
    return outcome
