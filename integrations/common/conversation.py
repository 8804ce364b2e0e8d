"""One conversation for every chat channel (LINE, Telegram, the next one).

A chat connector turns its platform's event into an `IncomingMessage` (channel-neutral) and
knows how to reply, download a file and, where the platform needs it, look up a sender's
name. Everything the citizen experiences lives here: the commands (`查詢`/`/status`,
`我的案件`/`/mycases`, `新案件`/`/new`, `說明`/`/help`), opening or joining a case,
acknowledging it by reply, locations, stickers, unsends and edits, and the group leads with
chatter redaction. The texts are in `integrations.common.chat`; the lookup limiter sits in
`casesys.inbound.chat.chat_case_lookup`.

Processing is two-phase (see `integrations.common.processing.process_inbound_event`):

- `ChatProcessor.prepare(event)` runs *outside* any transaction: it parses the event and does
  the slow network calls (media download, a group sender's profile, the keyword match that
  decides whether one is needed). A slow download holds no row lock and no transaction.
- `ChatProcessor(event, prepared)` runs inside the transaction that claims the event row: it
  does the writes and registers the replies as after-commit callbacks, so a second run of the
  same event never replies twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from casesys.inbound.chat import (
    ChatFile,
    ChatLocation,
    ChatResult,
    chat_ack_claim,
    chat_ack_delivered,
    chat_ack_release,
    chat_message_edit,
    chat_message_mark_deleted,
    chat_message_record,
    chat_outbound_record,
)
from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import InboundEvent, KeywordRule
from casesys.inbound.services import (
    chat_group_joined,
    chat_group_left,
    chat_group_seen,
    lead_record,
)
from integrations.common import chat as texts
from integrations.common.processing import Outcome

logger = logging.getLogger(__name__)

PRIVATE = "private"
GROUP = "group"
HASHTAG = "#陳情"
MEDIA_KINDS = ("image", "video", "audio", "file")

# Command → what the citizen may type for it (exact word, or the word and an argument).
COMMANDS: dict[str, tuple[str, ...]] = {
    "status": ("查詢", "查案", "/status"),
    "mycases": ("我的案件", "/mycases"),
    "new": ("新案件", "新陳情", "/new"),
    "help": ("說明", "幫助", "help", "/help", "/start"),
}
_TAKES_ARGUMENT = ("status", "new")
CHATTER_PLACEHOLDER = "（已略過的群組對話 / redacted chatter）"


@dataclass(frozen=True)
class Media:
    """A photo, video, recording or file the platform hosts until the connector fetches it."""

    kind: str  # one of MEDIA_KINDS
    handle: str  # the platform's id to download it by
    name: str = ""
    content_type: str = ""
    size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # platform details the download needs


@dataclass(frozen=True)
class IncomingMessage:
    """One platform event in the engine's terms."""

    channel: str  # Channel value; also the InboundEvent provider and the lead source
    event: str = "message"  # message | edit | unsend | follow | joined | left
    kind: str = PRIVATE  # private (one-to-one) | group (group, room, supergroup)
    user_key: str = ""  # who the citizen is on this channel (private chats)
    chat_id: str = ""  # the group's id (groups)
    chat_kind: str = ""  # the platform's name for the group type
    chat_name: str = ""
    content: str = "text"  # text | image | video | audio | file | location | sticker | anything else
    text: str = ""  # text or caption; in groups without the bot's mention or command
    full_text: str = ""  # groups: the text as sent
    command: tuple[str, str] | None = None  # (name, argument) when the platform marks a command
    addressed: str = ""  # groups: "mention" or "command" when the message is for the bot
    media: Media | None = None
    location: ChatLocation | None = None
    external_id: str = ""  # the message's id, unique per channel
    sent_at: dt.datetime | None = None
    sender_id: str = ""
    sender_name: str = ""
    reply_to: Any = None  # opaque to the engine: handed back to the connector's `reply`
    data: dict[str, Any] = field(default_factory=dict)  # platform ids kept with the message or lead
    payload_key: str = "event"  # under which name a lead keeps the raw event


@dataclass(frozen=True)
class ChatConnector:
    """What a chat channel plugs into the engine (see docs/connectors.md)."""

    channel: str
    parse: Callable[[InboundEvent], IncomingMessage | Outcome]
    reply: Callable[[Any, list[str]], None]  # raise when the reply did not go out
    fetch_media: Callable[[Media], tuple[ChatFile | None, dict[str, Any]]]
    help_text: Callable[[], str]
    # Groups: the sender's display name when the platform does not send it with the message.
    sender_name: Callable[[IncomingMessage], str] | None = None
    # The citizen took the message back before it was processed (events out of order).
    withdrawn: Callable[[IncomingMessage], bool] | None = None


@dataclass(frozen=True)
class LeadMatch:
    """Why a group message is a lead, and its text without the hashtag."""

    reason: str  # mention | command | hashtag | keyword
    text: str
    rule: KeywordRule | None = None


@dataclass(frozen=True)
class Prepared:
    """What `prepare` found out before the transaction."""

    message: IncomingMessage | None = None
    outcome: Outcome | None = None  # the parser already decided (unknown event, standby …)
    file: ChatFile | None = None
    media_data: dict[str, Any] = field(default_factory=dict)
    lead: LeadMatch | None = None


# --- helpers the parsers share --------------------------------------------------------------


def cut_utf16(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the (offset, length) spans, counted in UTF-16 code units as LINE and
    Telegram count mention and command offsets (an emoji before a mention counts twice)."""
    units = text.encode("utf-16-le")
    for offset, length in sorted(spans, reverse=True):
        units = units[: offset * 2] + units[(offset + length) * 2 :]
    return units.decode("utf-16-le", errors="ignore")


def with_message_text(payload: Any, text: str) -> Any:
    """The stored event with its message text replaced (LINE and Telegram both keep it at
    `message.text`); used to drop a checked password or a group's chatter."""
    if not isinstance(payload, dict):
        return None
    message = payload.get("message")
    return {**payload, "message": {**(message if isinstance(message, dict) else {}), "text": text}}


def parse_command(text: str) -> tuple[str, str] | None:
    """(command, argument) when a private text is one of the commands, else None."""
    stripped = text.strip()
    for command, words in COMMANDS.items():
        for word in words:
            if stripped == word:
                return command, ""
            if command in _TAKES_ARGUMENT and stripped.startswith(word):
                argument = stripped[len(word) :].strip()
                # "查詢一下路燈何時修" is a message, not a command: a status query names a case.
                if command == "status" and not texts.CASE_NUMBER_RE.fullmatch(argument.split()[0] if argument else ""):
                    continue
                return command, argument
    return None


def platform_command(name: str) -> str | None:
    """The engine's command for a command the platform marked (`/start` → help), or None."""
    word = f"/{name.lower()}"
    return next((command for command, words in COMMANDS.items() if word in words), None)


# --- the engine ---------------------------------------------------------------------------------


class ChatProcessor:
    """The inbound processor of one chat connector (its "processor" in `settings.CASESYS_CHANNELS`)."""

    def __init__(self, connector: ChatConnector) -> None:
        self.connector = connector

    # Phase 1: outside the transaction ----------------------------------------------------------

    def prepare(self, event: InboundEvent) -> Prepared:
        parsed = self.connector.parse(event)
        if isinstance(parsed, Outcome):
            return Prepared(outcome=parsed)
        message = parsed
        if message.event != "message":
            return Prepared(message=message)
        if message.kind == GROUP:
            lead = self._lead_of(message)
            if lead is not None and not message.sender_name and self.connector.sender_name is not None:
                message = replace(message, sender_name=self.connector.sender_name(message))
            return Prepared(message=message, lead=lead)
        if message.media is not None and message.content in MEDIA_KINDS:
            # Slow, and may raise for a temporary error: the event then stays pending with
            # the error (nothing was claimed or written yet) and the sweep tries again.
            file, data = self.connector.fetch_media(message.media)
            return Prepared(message=message, file=file, media_data=data)
        return Prepared(message=message)

    @staticmethod
    def _lead_of(message: IncomingMessage) -> LeadMatch | None:
        if not message.text:
            return None
        text = message.text.strip()
        reason = message.addressed
        if text.startswith(HASHTAG):
            reason = reason or "hashtag"
            text = text[len(HASHTAG) :].strip()
        rule = match_keywords(text) if text else None
        if not reason and rule is not None:
            reason = "keyword"
        return LeadMatch(reason=reason, text=text, rule=rule) if reason else None

    # Phase 2: inside the transaction that claimed the event -------------------------------------

    def __call__(self, event: InboundEvent, prepared: Prepared | None = None) -> Outcome:
        if prepared is None:
            # Called without the first phase (a direct call): do it now, inside the caller's transaction.
            prepared = self.prepare(event)
        if prepared.outcome is not None:
            return prepared.outcome
        message = prepared.message
        assert message is not None
        handler = {
            "message": self._group_message if message.kind == GROUP else self._private_message,
            "edit": self._edit,
            "unsend": self._unsend,
            "follow": self._follow,
            "joined": self._membership,
            "left": self._membership,
        }.get(message.event)
        if handler is None:
            return Outcome.ignored(f"不處理的事件類型 / Event type not handled: {message.event}")
        return handler(event, message, prepared)

    # replies

    def _with_reply(
        self,
        outcome: Outcome,
        message: IncomingMessage,
        replies: list[str],
        *,
        case=None,
        ack=None,
        secret: str = "",
    ) -> Outcome:
        """Answer in the conversation after the commit.

        `ack` is the case's acknowledgement claimed from the outbox: marked sent when the reply
        went out, handed back to the outbox (push) when it did not. The conversation view
        keeps what the bot said, with the password masked.
        """
        replies = [r for r in replies if r]
        if not replies:
            return outcome
        if case is not None:
            for text in replies:
                stored = text.replace(secret, "********") if secret else text
                chat_outbound_record(case=case, channel=self.connector.channel, text=stored, data={"via": "reply"})
        ack_id = ack.pk if ack is not None else None
        reply, handle, channel = self.connector.reply, message.reply_to, self.connector.channel

        def send() -> None:
            try:
                reply(handle, replies)
            except Exception as exc:  # noqa: BLE001 - expired token, network: the outbox pushes the ack
                logger.warning("%s reply failed: %s", channel, exc)
                if ack_id:
                    chat_ack_release(notification_id=ack_id, error=str(exc))
                return
            if ack_id:
                chat_ack_delivered(notification_id=ack_id)

        outcome.after_commit.append(send)
        return outcome

    # events other than messages

    def _follow(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        return self._with_reply(Outcome(), message, [self.connector.help_text()])

    def _unsend(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        if chat_message_mark_deleted(channel=message.channel, external_id=message.external_id) is None:
            # Out-of-order delivery: the message itself may still be on its way; when it
            # arrives, the connector's `withdrawn` finds this event and it is stored as deleted.
            return Outcome.ignored("收回的訊息不屬於任何案件 / The unsent message is not part of a case")
        return Outcome()

    def _edit(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        if message.kind == GROUP:
            return Outcome.ignored("群組中的編輯 / Edit in a group")
        edited = chat_message_edit(
            channel=message.channel, external_id=message.external_id, text=message.text, edited_at=message.sent_at
        )
        if edited is None:
            return Outcome.ignored("編輯的訊息不屬於任何案件 / The edited message is not part of a case")
        return Outcome()

    def _membership(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        where = {"provider": message.channel, "group_id": message.chat_id, "kind": message.chat_kind, "at": message.sent_at}
        if message.event == "joined":
            chat_group_joined(**where, name=message.chat_name)
        else:
            chat_group_left(**where)
        return Outcome()

    # one-to-one

    def _private_message(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        channel, user_key = message.channel, message.user_key
        common: dict[str, Any] = {
            "channel": channel,
            "user_key": user_key,
            "external_id": message.external_id,
            "sent_at": message.sent_at,
            "sender_name": message.sender_name,
            "deleted": bool(self.connector.withdrawn and self.connector.withdrawn(message)),
            "data": {**message.data, **prepared.media_data},
        }
        if message.content == "text":
            command = message.command or parse_command(message.text)
            if command is not None:
                name, argument = command
                name = name if name in COMMANDS else (platform_command(name) or name)
                if name != "new" or not argument:
                    return self._command(event, message, name, argument)
                result = chat_message_record(kind="text", text=argument, force_new=True, **common)
            else:
                force_new = texts.take_new_case_request(channel=channel, user_key=user_key)
                result = chat_message_record(kind="text", text=message.text, force_new=force_new, **common)
        elif message.content in MEDIA_KINDS:
            result = chat_message_record(kind=message.content, text=message.text, file=prepared.file, **common)
        elif message.content == "location" and message.location is not None:
            location = message.location
            label = " ".join(x for x in (location.title, location.address) if x)
            common["data"].update({"lat": location.lat, "lng": location.lng})
            result = chat_message_record(kind="location", text=label, location=location, **common)
            if result is not None and not result.opened and not result.duplicate:
                return self._with_reply(Outcome(), message, [texts.location_text(result)], case=result.case)
        elif message.content == "sticker":
            result = chat_message_record(kind="sticker", open_case=False, **common)
            if result is None:
                return Outcome.ignored("貼圖且沒有處理中的案件 / Sticker and no open case")
            return Outcome()  # a sticker needs no answer
        else:
            return Outcome.ignored(f"不處理的訊息類型 / Message type not handled: {message.content}")
        return self._recorded(message, result)

    def _command(self, event: InboundEvent, message: IncomingMessage, name: str, argument: str) -> Outcome:
        channel, user_key = message.channel, message.user_key
        if name == "status":
            answer = texts.status_reply(channel=channel, user_key=user_key, argument=argument)
            redacted = texts.redact_status_command(message.text, argument)
            # The stored event keeps what was asked, never the password once it was checked.
            payload = with_message_text(event.payload, redacted) if redacted != message.text else None
            return self._with_reply(Outcome(payload=payload), message, [answer])
        if name == "mycases":
            return self._with_reply(Outcome(), message, [texts.my_cases_reply(channel=channel, user_key=user_key)])
        if name == "help":
            return self._with_reply(Outcome(), message, [self.connector.help_text()])
        if name == "new":
            texts.request_new_case(channel=channel, user_key=user_key)
            return self._with_reply(Outcome(), message, [texts.new_case_prompt()])
        return self._with_reply(
            Outcome.ignored(f"未知指令 / Unknown command /{name}"), message, [self.connector.help_text()]
        )

    def _recorded(self, message: IncomingMessage, result: ChatResult | None) -> Outcome:
        if result is None or result.duplicate:
            return Outcome(reason="重複的訊息 / Message already recorded" if result else "")
        if result.opened:
            ack, ack_text = chat_ack_claim(case=result.case, channel=message.channel)
            return self._with_reply(
                Outcome(),
                message,
                [ack_text or texts.opened_text(result)],
                case=result.case,
                ack=ack,
                secret=result.password,
            )
        return self._with_reply(Outcome(), message, [texts.appended_text(result)], case=result.case)

    # groups

    def _group_message(self, event: InboundEvent, message: IncomingMessage, prepared: Prepared) -> Outcome:
        group = chat_group_seen(
            provider=message.channel, group_id=message.chat_id, kind=message.chat_kind, name=message.chat_name
        )
        if not message.text:
            return Outcome.ignored(f"群組非文字訊息 / Non-text group message ({message.content})")
        lead = prepared.lead
        if lead is None:
            # Understood and irrelevant: keep the event, not the neighbours' chatter.
            return Outcome.ignored(
                "群組一般對話（未提及、無 #陳情、無關鍵字）/ Group chatter (no mention, #陳情 or keyword)",
                payload=with_message_text(event.payload, CHATTER_PLACEHOLDER),
            )
        full_text = message.full_text or message.text
        _lead, created = lead_record(
            source=message.channel,
            external_id=message.external_id,
            text=lead.text or full_text,
            occurred_at=message.sent_at,
            reason=lead.reason,
            rule=lead.rule,
            group=group,
            sender_id=message.sender_id[:100],
            sender_name=message.sender_name[:200],
            raw={"message_id": message.external_id, "full_text": full_text, **message.data, message.payload_key: event.payload},
        )
        outcome = Outcome()
        if created and lead.reason != "keyword":
            # Someone addressed the bot: confirm in the group. Keyword matches stay silent.
            self._with_reply(outcome, message, [texts.lead_received_text()])
        return outcome
