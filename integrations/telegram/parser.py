"""A stored Telegram update → the chat engine's `IncomingMessage` (python-telegram-bot v22).

Private chats: text (a `bot_command` entity at the start marks a command), photos,
documents, videos, voice and audio (fetched later with `getFile`), locations (with a
venue's name and address), stickers; edits. Groups and supergroups: text or caption; the
bot is addressed by `/report`/`/petition` (optionally `@bot`), an @-mention, a text mention
or a reply to the bot, which are cut from the text. `my_chat_member` says whether the bot
is in a group.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from casesys.inbound.chat import ChatLocation
from casesys.inbound.models import InboundEvent
from integrations.common.conversation import GROUP, IncomingMessage, Media, cut_utf16
from integrations.common.processing import Outcome
from integrations.telegram import client
from integrations.telegram.transport import ReplyTo

GROUP_COMMANDS = {"report", "petition"}
GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}
JOINED = ("member", "administrator", "creator", "restricted")


def parse(event: InboundEvent) -> IncomingMessage | Outcome:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        update = Update.de_json(payload, None)
    except Exception as exc:  # noqa: BLE001 - malformed update: keep it, say why
        return Outcome.failed(f"無法解析的 Telegram 更新 / Unreadable Telegram update: {exc}"[:2000])

    base = IncomingMessage(channel="telegram", data={"update_id": update.update_id}, payload_key="update")
    if update.my_chat_member is not None:
        return _membership(update, base)
    if update.edited_message is not None:
        msg = update.edited_message
        kind = "private" if msg.chat.type == ChatType.PRIVATE else GROUP
        return replace(
            base, event="edit", kind=kind, external_id=_external_id(msg), text=msg.text or msg.caption or "",
            sent_at=msg.edit_date,
        )
    msg = update.message
    if msg is None:
        kinds = sorted(k for k in payload if k != "update_id")
        return Outcome.ignored(f"不處理的更新類型 / Update type not handled: {', '.join(kinds) or '?'}")
    base = replace(
        base,
        external_id=_external_id(msg),
        sent_at=msg.date,
        sender_id=str(msg.from_user.id) if msg.from_user else "",
        sender_name=msg.from_user.full_name if msg.from_user else "",
    )
    if msg.chat.type == ChatType.PRIVATE:
        return _private_message(msg, base)
    if msg.chat.type in GROUP_TYPES:
        return _group_message(msg, base)
    return Outcome.ignored(f"不處理的聊天類型 / Chat type not handled: {msg.chat.type}")


def _external_id(msg: Message) -> str:
    # message_id is only unique within a chat.
    return f"{msg.chat.id}:{msg.message_id}"


def _membership(update: Update, base: IncomingMessage) -> IncomingMessage | Outcome:
    member = update.my_chat_member
    chat = member.chat
    if chat.type not in GROUP_TYPES:
        return Outcome.ignored("私人聊天的機器人狀態變更 / Bot status change in a private chat")
    joined = member.new_chat_member.status in JOINED
    return replace(
        base, event="joined" if joined else "left", kind=GROUP, chat_id=str(chat.id), chat_kind=str(chat.type),
        chat_name=chat.title or "", sent_at=member.date,
    )


def _command(msg: Message) -> tuple[str, str] | None:
    text = msg.text or ""
    for entity in msg.entities or ():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            name = text[1 : entity.length].split("@", 1)[0].lower()
            return name, text[entity.length :].strip()
    return None


def _media(msg: Message) -> Media | None:
    if msg.photo:
        media = msg.photo[-1]  # the largest size
        return _described("image", media, f"telegram-{media.file_unique_id}.jpg", "image/jpeg")
    if msg.document:
        media = msg.document
        return _described("file", media, media.file_name or f"telegram-{media.file_unique_id}", media.mime_type or "")
    if msg.video:
        media = msg.video
        name = media.file_name or f"telegram-{media.file_unique_id}.mp4"
        return _described("video", media, name, media.mime_type or "video/mp4")
    if msg.voice:
        media = msg.voice
        return _described("audio", media, f"telegram-{media.file_unique_id}.ogg", media.mime_type or "audio/ogg")
    if msg.audio:
        media = msg.audio
        return _described("audio", media, media.file_name or f"telegram-{media.file_unique_id}", media.mime_type or "")
    return None


def _described(kind: str, media: Any, name: str, mime: str) -> Media:
    return Media(kind=kind, handle=media.file_id, name=name, content_type=mime, size=media.file_size)


def _private_message(msg: Message, base: IncomingMessage) -> IncomingMessage:
    message = replace(base, user_key=str(msg.chat.id), reply_to=ReplyTo(chat_id=msg.chat.id), text=msg.text or msg.caption or "")
    if msg.text:
        return replace(message, content="text", command=_command(msg))
    media = _media(msg)
    if media is not None:
        return replace(message, content=media.kind, media=media)
    if msg.location is not None:
        venue = msg.venue
        location = ChatLocation(
            lat=msg.location.latitude,
            lng=msg.location.longitude,
            address=venue.address if venue else "",
            title=venue.title if venue else "",
        )
        return replace(message, content="location", location=location)
    if msg.sticker is not None:
        return replace(message, content="sticker")
    return replace(message, content="other")


def _addressed(msg: Message) -> tuple[str, str]:
    """(reason, text without the bot's mention/command) when the message is for the bot."""
    text = msg.text or msg.caption or ""
    bot_id = client.bot_user_id()
    username = ""
    entities = msg.parse_entities() if msg.text else msg.parse_caption_entities()
    cut: list[tuple[int, int]] = []
    reason = ""
    for entity, value in entities.items():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            name, _, target = value[1:].partition("@")
            username = username or client.bot_username()
            if name.lower() in GROUP_COMMANDS and (not target or target.lower() == username.lower()):
                reason = "command"
                cut.append((entity.offset, entity.length))
        elif entity.type == MessageEntityType.MENTION:
            username = username or client.bot_username()
            if username and value.lstrip("@").lower() == username.lower():
                reason = reason or "mention"
                cut.append((entity.offset, entity.length))
        elif entity.type == MessageEntityType.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            reason = reason or "mention"
            cut.append((entity.offset, entity.length))
    replied = msg.reply_to_message
    if not reason and replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        reason = "mention"
    return reason, (cut_utf16(text, cut) if cut else text).strip()


def _group_message(msg: Message, base: IncomingMessage) -> IncomingMessage:
    chat = msg.chat
    message = replace(
        base,
        kind=GROUP,
        chat_id=str(chat.id),
        chat_kind=str(chat.type),
        chat_name=chat.title or "",
        reply_to=ReplyTo(chat_id=chat.id, message_id=msg.message_id),
        content="other",
    )
    if not (msg.text or msg.caption):
        return message  # no text: the engine says why it is ignored
    reason, text = _addressed(msg)
    return replace(message, content="text", text=text, full_text=msg.text or msg.caption or "", addressed=reason)
