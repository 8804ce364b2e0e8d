"""Turn one stored Telegram update into case/lead writes and replies.

Private chats behave like LINE one-to-one chats (`/start`, `/help`, `/new`, `/status <no>`,
`/mycases`; text, photos, documents and locations feed the user's open case; an edit
updates the recorded message). Groups and supergroups feed leads when the bot is
mentioned or replied to, on `/report`, on `#陳情`, or on a keyword rule; `my_chat_member`
updates keep track of the groups the bot is in.

Replies go out after the commit (see `integrations.common.processing`), so a second run of
the same update never answers twice.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from django.conf import settings
from django.core.cache import cache
from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden

from casesys.inbound.chat import (
    ChatFile,
    ChatLocation,
    chat_ack_claim,
    chat_ack_delivered,
    chat_ack_release,
    chat_message_edit,
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
from integrations.telegram import client

logger = logging.getLogger(__name__)

PROVIDER = "telegram"
HASHTAG = "#陳情"
GROUP_COMMANDS = {"report", "petition"}
GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}


def handle_update(event: InboundEvent) -> Outcome:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        update = Update.de_json(payload, None)
    except Exception as exc:  # noqa: BLE001 - malformed update: keep it, say why
        return Outcome.failed(f"無法解析的 Telegram 更新 / Unreadable Telegram update: {exc}"[:2000])

    if update.my_chat_member is not None:
        return _membership(update)
    if update.edited_message is not None:
        return _edited(update.edited_message)
    msg = update.message
    if msg is None:
        kinds = sorted(k for k in payload if k != "update_id")
        return Outcome.ignored(f"不處理的更新類型 / Update type not handled: {', '.join(kinds) or '?'}")
    if msg.chat.type == ChatType.PRIVATE:
        return _private_message(update, msg, payload)
    if msg.chat.type in GROUP_TYPES:
        return _group_message(update, msg, event)
    return Outcome.ignored(f"不處理的聊天類型 / Chat type not handled: {msg.chat.type}")


def _membership(update: Update) -> Outcome:
    member = update.my_chat_member
    chat = member.chat
    if chat.type not in GROUP_TYPES:
        return Outcome.ignored("私人聊天的機器人狀態變更 / Bot status change in a private chat")
    status = member.new_chat_member.status
    if status in ("member", "administrator", "creator", "restricted"):
        chat_group_joined(provider=PROVIDER, group_id=str(chat.id), kind=str(chat.type), name=chat.title or "", at=member.date)
    else:
        chat_group_left(provider=PROVIDER, group_id=str(chat.id), kind=str(chat.type), at=member.date)
    return Outcome()


def _external_id(msg: Message) -> str:
    # message_id is only unique within a chat.
    return f"{msg.chat.id}:{msg.message_id}"


def _edited(msg: Message) -> Outcome:
    if msg.chat.type != ChatType.PRIVATE:
        return Outcome.ignored("群組中的編輯 / Edit in a group")
    text = msg.text or msg.caption or ""
    message = chat_message_edit(channel="telegram", external_id=_external_id(msg), text=text, edited_at=msg.edit_date)
    if message is None:
        return Outcome.ignored("編輯的訊息不屬於任何案件 / The edited message is not part of a case")
    return Outcome()


def _with_reply(
    outcome: Outcome, chat_id: int, replies: list[str], *, case=None, reply_to: int | None = None, ack=None, secret: str = ""
) -> Outcome:
    """Send the answer after the commit (see the LINE handler for how `ack` is settled)."""
    replies = [r for r in replies if r]
    if not replies:
        return outcome
    if case is not None:
        for text in replies:
            stored = text.replace(secret, "********") if secret else text
            chat_outbound_record(case=case, channel="telegram", text=stored, data={"via": "reply"})
    ack_id = ack.pk if ack is not None else None

    def send() -> None:
        try:
            for text in replies:
                extra: dict[str, Any] = {}
                if reply_to:
                    extra["reply_parameters"] = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                client.send_text(chat_id, text, **extra)
        except Exception as exc:  # noqa: BLE001 - network or API trouble: the outbox retries the ack
            logger.warning("Telegram reply failed: %s", exc)
            if ack_id:
                chat_ack_release(notification_id=ack_id, error=str(exc))
            return
        if ack_id:
            chat_ack_delivered(notification_id=ack_id)

    outcome.after_commit.append(send)
    return outcome


# --- private chats ----------------------------------------------------------------------


def _command(msg: Message) -> tuple[str, str] | None:
    text = msg.text or ""
    for entity in msg.entities or ():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            word = text[: entity.length]
            name = word[1:].split("@", 1)[0].lower()
            return name, text[entity.length :].strip()
    return None


def _private_message(update: Update, msg: Message, payload: dict[str, Any]) -> Outcome:
    chat_id = msg.chat.id
    user_key = str(chat_id)
    sender = msg.from_user.full_name if msg.from_user else ""
    common: dict[str, Any] = {
        "channel": "telegram",
        "user_key": user_key,
        "external_id": _external_id(msg),
        "sent_at": msg.date,
        "sender_name": sender,
        "data": {"update_id": update.update_id},
    }
    reply = lambda outcome, replies, case=None: _with_reply(outcome, chat_id, replies, case=case)  # noqa: E731

    command = _command(msg) if msg.text else None
    if command is not None:
        name, argument = command
        if name in ("start", "help"):
            return reply(Outcome(), [texts.telegram_welcome_text()])
        if name == "status":
            answer = texts.status_reply(channel="telegram", user_key=user_key, argument=argument)
            return reply(Outcome(payload=_without_password(payload, msg.text or "", argument)), [answer])
        if name == "mycases":
            return reply(Outcome(), [texts.my_cases_reply(channel="telegram", user_key=user_key)])
        if name == "new":
            if not argument:
                texts.request_new_case(channel="telegram", user_key=user_key)
                return reply(Outcome(), [texts.new_case_prompt()])
            result = chat_message_record(kind="text", text=argument, force_new=True, **common)
        else:
            return reply(Outcome.ignored(f"未知指令 / Unknown command /{name}"), [texts.telegram_welcome_text()])
    elif msg.text:
        force_new = texts.take_new_case_request(channel="telegram", user_key=user_key)
        result = chat_message_record(kind="text", text=msg.text, force_new=force_new, **common)
    elif msg.photo or msg.document or msg.video or msg.voice or msg.audio:
        kind, file, data = _download(msg)
        common["data"].update(data)
        result = chat_message_record(kind=kind, text=msg.caption or "", file=file, **common)
    elif msg.location is not None:
        venue = msg.venue
        location = ChatLocation(
            lat=msg.location.latitude,
            lng=msg.location.longitude,
            address=venue.address if venue else "",
            title=venue.title if venue else "",
        )
        common["data"].update({"lat": msg.location.latitude, "lng": msg.location.longitude})
        label = " ".join(x for x in (location.title, location.address) if x)
        result = chat_message_record(kind="location", text=label, location=location, **common)
        if result is not None and not result.opened and not result.duplicate:
            return reply(Outcome(), [texts.location_text(result)], result.case)
    elif msg.sticker is not None:
        result = chat_message_record(kind="sticker", open_case=False, **common)
        if result is None:
            return Outcome.ignored("貼圖且沒有處理中的案件 / Sticker and no open case")
        return Outcome()
    else:
        return Outcome.ignored("不處理的訊息類型 / Message type not handled")

    if result is None or result.duplicate:
        return Outcome(reason="重複的訊息 / Message already recorded" if result else "")
    if result.opened:
        ack, ack_text = chat_ack_claim(case=result.case, channel="telegram")
        return _with_reply(
            Outcome(), chat_id, [ack_text or texts.opened_text(result)], case=result.case, ack=ack, secret=result.password
        )
    return reply(Outcome(), [texts.appended_text(result)], result.case)


def _without_password(stored: dict[str, Any], text: str, argument: str) -> dict | None:
    """The stored update with the status command's password replaced by ***, once checked."""
    redacted = texts.redact_status_command(text, argument)
    if redacted == text:
        return None
    payload = dict(stored)
    payload["message"] = {**payload.get("message", {}), "text": redacted}
    return payload


def _download(msg: Message) -> tuple[str, ChatFile | None, dict[str, Any]]:
    if msg.photo:
        kind, media = "image", msg.photo[-1]  # the largest size
        name, mime = f"telegram-{media.file_unique_id}.jpg", "image/jpeg"
    elif msg.document:
        kind, media = "file", msg.document
        name, mime = media.file_name or f"telegram-{media.file_unique_id}", media.mime_type or ""
    elif msg.video:
        kind, media = "video", msg.video
        name, mime = media.file_name or f"telegram-{media.file_unique_id}.mp4", media.mime_type or "video/mp4"
    elif msg.voice:
        kind, media = "audio", msg.voice
        name, mime = f"telegram-{media.file_unique_id}.ogg", media.mime_type or "audio/ogg"
    else:
        kind, media = "audio", msg.audio
        name, mime = media.file_name or f"telegram-{media.file_unique_id}", media.mime_type or ""
    limit = settings.CASESYS["ATTACHMENT_MAX_BYTES"]
    if media.file_size and media.file_size > limit:
        return kind, None, {"download_error": f"檔案過大 / File too large ({media.file_size} bytes)", "file_id": media.file_id}
    try:
        content, path = client.download_file(media.file_id)
    except (BadRequest, Forbidden) as exc:
        # Unknown/expired file ids and files over the Bot API's 20 MB limit never succeed.
        return kind, None, {"download_error": str(exc), "file_id": media.file_id}
    if not mime:
        mime = mimetypes.guess_type(path or name)[0] or "application/octet-stream"
    return kind, ChatFile(name=name, content_type=mime, content=content), {"file_id": media.file_id}


# --- groups ----------------------------------------------------------------------------------


def bot_username() -> str:
    configured = (settings.TELEGRAM_BOT_USERNAME or "").lstrip("@")
    if configured:
        return configured
    key = "casesys:telegram:bot-username"
    name = cache.get(key)
    if name is None:
        try:
            name = client.run(lambda bot: _username(bot))
        except Exception:  # noqa: BLE001 - without a name only @-mentions go unnoticed
            logger.warning("Telegram getMe failed; set TELEGRAM_BOT_USERNAME", exc_info=True)
            return ""
        cache.set(key, name, 24 * 3600)
    return name


async def _username(bot) -> str:
    return bot.username or ""


def _addresses_bot(msg: Message) -> tuple[str, str]:
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
            username = username or bot_username()
            if name.lower() in GROUP_COMMANDS and (not target or target.lower() == username.lower()):
                reason = "command"
                cut.append((entity.offset, entity.length))
        elif entity.type == MessageEntityType.MENTION:
            username = username or bot_username()
            if username and value.lstrip("@").lower() == username.lower():
                reason = reason or "mention"
                cut.append((entity.offset, entity.length))
        elif entity.type == MessageEntityType.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            reason = reason or "mention"
            cut.append((entity.offset, entity.length))
    replied = msg.reply_to_message
    if not reason and replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        reason = "mention"
    if cut:
        # Entity offsets count UTF-16 code units.
        units = text.encode("utf-16-le")
        for offset, length in sorted(cut, reverse=True):
            units = units[: offset * 2] + units[(offset + length) * 2 :]
        text = units.decode("utf-16-le", errors="ignore")
    return reason, text.strip()


def _group_message(update: Update, msg: Message, event: InboundEvent) -> Outcome:
    chat = msg.chat
    group = chat_group_seen(provider=PROVIDER, group_id=str(chat.id), kind=str(chat.type), name=chat.title or "")
    if not (msg.text or msg.caption):
        return Outcome.ignored("群組非文字訊息 / Non-text group message")
    reason, text = _addresses_bot(msg)
    if text.startswith(HASHTAG):
        reason = reason or "hashtag"
        text = text[len(HASHTAG):].strip()
    rule = match_keywords(text) if text else None
    if not reason and rule is not None:
        reason = "keyword"
    if not reason:
        payload = dict(event.payload)
        payload["message"] = {**payload.get("message", {}), "text": "（已略過的群組對話 / redacted chatter）"}
        return Outcome.ignored("群組一般對話（未提及、無 #陳情、無關鍵字）/ Group chatter (no mention, #陳情 or keyword)", payload=payload)
    sender = msg.from_user
    external_id = _external_id(msg)
    lead, created = lead_record(
        source=PROVIDER,
        external_id=external_id,
        text=text or msg.text or msg.caption or "",
        occurred_at=msg.date,
        reason=reason,
        rule=rule,
        group=group,
        sender_id=str(sender.id) if sender else "",
        sender_name=(sender.full_name if sender else "")[:200],
        raw={"message_id": external_id, "full_text": msg.text or msg.caption or "", "update": event.payload},
    )
    outcome = Outcome()
    if created and reason in ("mention", "command", "hashtag"):
        _with_reply(outcome, chat.id, [texts.lead_received_text()], reply_to=msg.message_id)
    return outcome
