"""A stored LINE webhook event → the chat engine's `IncomingMessage` (line-bot-sdk v3 models).

- one-to-one (source `user`): text, image/video/audio/file (fetched later with the blob API),
  location, sticker; unsend; follow.
- groups and rooms: text messages (a mentionee with `isSelf` or the bot's user id addresses
  the bot; the mention is cut from the text); join/leave.
- standby mode, unfollow, member changes, unknown types: an `Outcome` saying why not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace as _copy
from typing import Any

from django.conf import settings
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

from casesys.inbound.chat import ChatLocation
from casesys.inbound.models import InboundEvent
from integrations.common.conversation import GROUP, IncomingMessage, Media, cut_utf16
from integrations.common.processing import Outcome

PROVIDER = "line"

_MEDIA = {
    ImageMessageContent: "image",
    VideoMessageContent: "video",
    AudioMessageContent: "audio",
    FileMessageContent: "file",
}


def _occurred(ev: Any) -> dt.datetime | None:
    ts = getattr(ev, "timestamp", None)
    return dt.datetime.fromtimestamp(ts / 1000, tz=dt.UTC) if ts else None


def _group_of(source: Any) -> tuple[str, str]:
    if isinstance(source, GroupSource):
        return source.group_id, "group"
    if isinstance(source, RoomSource):
        return source.room_id, "room"
    return "", ""


def parse(event: InboundEvent) -> IncomingMessage | Outcome:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        ev = Event.from_dict(payload)
    except Exception as exc:  # noqa: BLE001 - the SDK's UnknownEvent case, or a malformed event
        return Outcome.failed(f"無法辨識的 LINE 事件 / Unrecognised LINE event (type={payload.get('type')!r}): {exc}"[:2000])
    mode = getattr(ev, "mode", None)
    if mode is not None and getattr(mode, "value", mode) == "standby":
        return Outcome.ignored("待命模式：由其他模組回應 / Standby mode: another module answers this chat")

    base = IncomingMessage(
        channel="line",
        sent_at=_occurred(ev),
        reply_to=getattr(ev, "reply_token", None),
        data={"webhook_event_id": getattr(ev, "webhook_event_id", None)},
    )
    source = ev.source
    if isinstance(ev, MessageEvent):
        if isinstance(source, UserSource):
            return _user_message(ev, base)
        if isinstance(source, GroupSource | RoomSource):
            return _group_message(ev, base, (event.meta or {}).get("destination", ""))
        return Outcome.ignored("不明的訊息來源 / Unknown message source")
    if isinstance(ev, UnsendEvent):
        return IncomingMessage(channel="line", event="unsend", external_id=ev.unsend.message_id)
    if isinstance(ev, FollowEvent):
        return _copy(base, event="follow", user_key=getattr(source, "user_id", "") or "")
    if isinstance(ev, UnfollowEvent):
        return Outcome.ignored("使用者封鎖官方帳號 / The user blocked the official account")
    if isinstance(ev, JoinEvent | LeaveEvent):
        group_id, kind = _group_of(source)
        if not group_id:
            return Outcome.failed("加入/離開事件缺少群組 / Join/leave event without a group")
        return _copy(base, event="joined" if isinstance(ev, JoinEvent) else "left", kind=GROUP, chat_id=group_id, chat_kind=kind)
    if isinstance(ev, MemberJoinedEvent | MemberLeftEvent):
        return Outcome.ignored("群組成員異動 / Group membership change")
    return Outcome.ignored(f"不處理的事件類型 / Event type not handled: {payload.get('type')}")


def _user_message(ev: MessageEvent, base: IncomingMessage) -> IncomingMessage | Outcome:
    user_id = ev.source.user_id
    if not user_id:
        return Outcome.failed("訊息缺少使用者 ID / Message without a user id")
    msg = ev.message
    message = _copy(base, user_key=user_id, external_id=msg.id, content=getattr(msg, "type", None) or "other")
    if isinstance(msg, TextMessageContent):
        return _copy(message, content="text", text=msg.text)
    if type(msg) in _MEDIA:
        content_provider = getattr(msg, "content_provider", None)
        provider = getattr(content_provider, "type", "line")
        extra = {
            "content_provider": getattr(provider, "value", provider) or "line",
            "content_url": getattr(content_provider, "original_content_url", "") or "",
        }
        media = Media(kind=_MEDIA[type(msg)], handle=msg.id, name=getattr(msg, "file_name", None) or "", extra=extra)
        return _copy(message, content=media.kind, media=media)
    if isinstance(msg, LocationMessageContent):
        location = ChatLocation(lat=msg.latitude, lng=msg.longitude, address=msg.address or "", title=msg.title or "")
        return _copy(message, content="location", location=location)
    if isinstance(msg, StickerMessageContent):
        sticker = {"package_id": msg.package_id, "sticker_id": msg.sticker_id}
        return _copy(message, content="sticker", data={**message.data, **sticker})
    return message


def _mention_spans(msg: TextMessageContent, destination: str) -> list[tuple[int, int]]:
    """Where the text mentions the bot (its own user id is the webhook's destination)."""
    bot_ids = {x for x in (destination, settings.LINE_BOT_USER_ID) if x}
    mention = getattr(msg, "mention", None)
    return [
        (mentionee.index, mentionee.length)
        for mentionee in getattr(mention, "mentionees", None) or []
        if getattr(mentionee, "is_self", False) or getattr(mentionee, "user_id", None) in bot_ids
    ]


def _group_message(ev: MessageEvent, base: IncomingMessage, destination: str) -> IncomingMessage:
    group_id, kind = _group_of(ev.source)
    msg = ev.message
    message = _copy(
        base,
        kind=GROUP,
        chat_id=group_id,
        chat_kind=kind,
        external_id=msg.id,
        sender_id=getattr(ev.source, "user_id", None) or "",
        content=getattr(msg, "type", None) or "other",
        data={**base.data, "webhook_event_id": ev.webhook_event_id},
    )
    if not isinstance(msg, TextMessageContent):
        return message  # no text: the engine says why it is ignored
    spans = _mention_spans(msg, destination)
    return _copy(
        message,
        content="text",
        text=cut_utf16(msg.text, spans).strip() if spans else msg.text.strip(),
        full_text=msg.text,
        addressed="mention" if spans else "",
    )


def unsent_already(message: IncomingMessage) -> bool:
    """An unsend for this message arrived first (LINE does not promise the order)."""
    return InboundEvent.objects.filter(
        provider=PROVIDER, event_type="unsend", payload__unsend__messageId=message.external_id
    ).exists()
