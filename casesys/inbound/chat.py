"""Cases fed by a one-to-one chat (LINE, Telegram: the registry's "chat" channels): open, append, locate, unsend, edit.

A citizen chatting with the official account has at most one *open* chat case per channel
at a time: the first message opens it, later messages are appended to it until it closes
(or the citizen asks for a new one). Connectors translate platform events into these
keyword-only services; the services know nothing about the platforms.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from casesys.cases.addresses import at_address_q
from casesys.cases.files import attachment_storage_name
from casesys.cases.models import OPEN_Q, Attachment, Case, CaseMessage, Category
from casesys.cases.services import case_intake, case_set_location
from casesys.common import channels
from casesys.notifications.models import Notification
from casesys.notifications.services import (
    notification_reply_claim,
    notification_reply_delivered,
    notification_reply_release,
)

logger = logging.getLogger(__name__)



def _is_chat(channel: str) -> bool:
    spec = channels.get(channel)
    return spec is not None and spec.chat


@dataclass(frozen=True)
class ChatFile:
    """A downloaded photo/file to attach to the case."""

    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ChatLocation:
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    title: str = ""


@dataclass(frozen=True)
class ChatResult:
    case: Case
    message: CaseMessage | None
    opened: bool  # a new case was opened by this message
    password: str = ""  # only when opened
    duplicate: bool = False  # the message was already recorded (redelivery)
    attachment_note: str = ""  # why a file was not attached, if it was not


def chat_open_cases(*, channel: str, user_key: str):
    """The user's open cases on a chat channel, newest first."""
    return (
        Case.objects.filter(OPEN_Q, at_address_q(channel, user_key, prefix="petitioner__"), channel=channel)
        .select_related("category", "department")
        .order_by("-received_at", "-id")
    )


def chat_cases(*, channel: str, user_key: str):
    return Case.objects.filter(at_address_q(channel, user_key, prefix="petitioner__"), channel=channel).order_by(
        "-received_at"
    )


@dataclass(frozen=True)
class ChatLookup:
    case: Case | None
    wait: int = 0  # seconds the lookups with a password are paused for (too many failures)


def chat_case_lookup(*, channel: str, user_key: str, number: str, password: str = "") -> ChatLookup:
    """`查詢 <案號> [密碼]` in a chat: one of the user's own chat cases, or any case with its password.

    Guessing passwords goes through the same failure limiter as `/api/v1/track/` and
    `/status/`, counted per chat user and per case number (a chat has no client address;
    the number's counter stops guesses from many accounts at one case). The user's own
    cases need no password and are never paused.
    """
    from casesys.cases.numbering import check_case_password
    from casesys.common.limits import track_limiter

    own = chat_cases(channel=channel, user_key=user_key).select_related("department").filter(number__iexact=number).first()
    if own is not None:
        return ChatLookup(case=own)
    limiter = track_limiter()
    idents = (f"chat:{channel}:{user_key}", f"case:{number.upper()}")
    wait = max(limiter.retry_after(ident) for ident in idents)
    if wait:
        return ChatLookup(case=None, wait=wait)
    case = Case.objects.select_related("department").filter(number__iexact=number).first() if password else None
    if case is not None and check_case_password(password, case.password_hash):
        return ChatLookup(case=case)
    for ident in idents:
        limiter.record_failure(ident)
    return ChatLookup(case=None)


def chat_default_category() -> Category:
    """The category of chat-opened cases: intake reclassifies them while `received`."""
    code = getattr(settings, "CONNECTOR_CASE_CATEGORY", "") or ""
    category = Category.objects.filter(code=code, active=True).first() if code else None
    if category is None:
        # No configured category: any active catch-all (no automatic routing) will do, so that
        # a citizen's message is never refused for want of configuration.
        category = (
            Category.objects.filter(active=True, department__isnull=True).order_by("code").first()
            or Category.objects.filter(active=True).order_by("code").first()
        )
    if category is None:
        raise ValidationError({"category": ["尚未設定任何案件類別 / No case category is configured."]})
    return category


def _lock_user(channel: str, user_key: str) -> None:
    # Two messages from the same person processed at once must not open two cases.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"chat:{channel}:{user_key}"])


def _subject_from(text: str, fallback: str) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    if not line:
        return fallback
    return line if len(line) <= 60 else line[:59] + "…"


def _received_at(sent_at: dt.datetime | None) -> dt.datetime | None:
    # The citizen's own send time is the receipt time, unless it is implausible (clock skew,
    # an event processed long after an outage): case_intake accepts up to 60 days back.
    if sent_at is None:
        return None
    now = timezone.now()
    if now - dt.timedelta(days=59) <= sent_at <= now:
        return sent_at
    return None


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(float(value), 6)))


def _attach(case: Case, message: CaseMessage, file: ChatFile) -> str:
    limits = settings.CASESYS
    if len(file.content) > limits["ATTACHMENT_MAX_BYTES"]:
        return f"檔案過大未附加 / File too large ({len(file.content)} bytes)"
    allowed = limits.get("ATTACHMENT_TYPES") or []
    content_type = (file.content_type or "application/octet-stream").split(";")[0].strip().lower()
    if allowed and content_type not in allowed:
        return f"檔案類型不接受 / File type not accepted ({content_type})"
    attachment = Attachment(
        case=case,
        original_name=file.name[:200],
        content_type=content_type,
        size=len(file.content),
        source_message=message,
    )
    # The chat platform passes on the sender's file name: store it under one that fits.
    attachment.file.save(attachment_storage_name(file.name), ContentFile(file.content), save=False)
    attachment.save()
    return ""


def _set_location(case: Case, location: ChatLocation) -> None:
    has_point = location.lat is not None and location.lng is not None
    try:
        case_set_location(
            case=case,
            lat=_coordinate(location.lat) if has_point else None,
            lng=_coordinate(location.lng) if has_point else None,
            address=location.address or location.title or "",
        )
    except ValidationError:
        pass  # an impossible point from the platform: the message is kept, the case's location not


def chat_message_record(
    *,
    channel: str,
    user_key: str,
    external_id: str,
    kind: str = "text",
    text: str = "",
    sender_name: str = "",
    sent_at: dt.datetime | None = None,
    file: ChatFile | None = None,
    location: ChatLocation | None = None,
    data: dict[str, Any] | None = None,
    deleted: bool = False,
    force_new: bool = False,
    open_case: bool = True,
) -> ChatResult | None:
    """Append a citizen's chat message to their open case, or open one with it.

    Idempotent on (channel, external_id): a redelivered message returns the recorded one.
    With `open_case=False` (stickers and the like) nothing is opened: returns None when the
    user has no open case.
    """
    if not _is_chat(channel):
        raise ValidationError({"channel": [f"不是聊天管道 / Not a chat channel: {channel}"]})
    with transaction.atomic():
        _lock_user(channel, user_key)
        existing = (
            CaseMessage.objects.select_related("case").filter(channel=channel, external_id=external_id).first()
            if external_id
            else None
        )
        if existing is not None:
            return ChatResult(case=existing.case, message=existing, opened=False, duplicate=True)

        case = None if force_new else chat_open_cases(channel=channel, user_key=user_key).first()
        password = ""
        opened = False
        if case is None:
            if not open_case:
                return None
            placeholder = {"image": "（照片）/ (photo)", "file": "（檔案）/ (file)", "video": "（影片）/ (video)",
                           "audio": "（錄音）/ (audio)", "location": "（位置）/ (location)"}.get(kind, "（無文字）/ (no text)")
            subject_base = text or (location.address or location.title if location else "") or ""
            result = case_intake(
                channel=channel,
                category=chat_default_category(),
                subject=_subject_from(subject_base, f"{channels.label(channel)} 陳情 {placeholder}"),
                description=(text or "").strip() or placeholder,
                received_at=_received_at(sent_at),
                petitioner={
                    "name": sender_name,
                    # Verified: the person wrote from this account.
                    "contacts": [{"channel": channel, "address": str(user_key), "verified": True}],
                },
                location=(
                    {
                        # Phones report more decimals than the column keeps (6 ≈ 0.1 m).
                        "lat": _coordinate(location.lat),
                        "lng": _coordinate(location.lng),
                        "address": location.address or location.title,
                    }
                    if location
                    else None
                ),
            )
            case, password, opened = result.case, result.password, True
        message = CaseMessage.objects.create(
            case=case,
            direction=CaseMessage.Direction.INBOUND,
            channel=channel,
            kind=kind,
            text=text or "",
            external_id=(external_id or "")[:100],
            sent_at=sent_at or timezone.now(),
            deleted=deleted,
            data=data or {},
        )
        note = ""
        if file is not None:
            note = _attach(case, message, file)
            if note:
                message.data = {**message.data, "attachment_rejected": note}
                message.save(update_fields=["data"])
        if location is not None and not opened:
            _set_location(case, location)
        return ChatResult(case=case, message=message, opened=opened, password=password, attachment_note=note)


def chat_message_mark_deleted(*, channel: str, external_id: str) -> CaseMessage | None:
    """The citizen unsent a message: keep it for the record, hide it from view."""
    with transaction.atomic():
        message = CaseMessage.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        if message is None:
            return None
        if not message.deleted:
            message.deleted = True
            message.data = {**message.data, "deleted_at": timezone.now().isoformat()}
            message.save(update_fields=["deleted", "data"])
        return message


def chat_message_edit(*, channel: str, external_id: str, text: str, edited_at: dt.datetime | None = None) -> CaseMessage | None:
    """The citizen edited a message: keep every earlier wording in `data["history"]`."""
    with transaction.atomic():
        message = CaseMessage.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        if message is None:
            return None
        if message.text != text:
            history = list(message.data.get("history", []))
            history.append({"text": message.text, "replaced_at": (edited_at or timezone.now()).isoformat()})
            message.data = {**message.data, "history": history}
            message.text = text
            message.save(update_fields=["text", "data"])
        return message


def chat_outbound_record(*, case: Case, channel: str, text: str, data: dict[str, Any] | None = None) -> CaseMessage:
    """What the bot said to the citizen, for the case's conversation view."""
    return CaseMessage.objects.create(
        case=case, direction=CaseMessage.Direction.OUTBOUND, channel=channel, kind="text", text=text, data=data or {}
    )


# --- the acknowledgement, answered in the conversation ------------------------------------------
#
# Opening a case queues the citizen's acknowledgement (number and password) in the outbox,
# addressed to the chat they came from. In a chat we can answer for free and at once with the
# platform's reply API instead of a push, so the connector *claims* that row (status
# `sending` with a lease, which the outbox sender skips), replies, then marks the row sent —
# or releases it back to the outbox if the reply failed, so the citizen gets it by push.
# If the connector dies in between, the lease expires and the outbox sends it: at least once.

ACK_TEMPLATE = "case_acknowledged"
ACK_LEASE_SECONDS = 120


def chat_ack_claim(*, case: Case, channel: str) -> tuple[Notification | None, str]:
    """(claimed acknowledgement row, its text with the password) or (None, "")."""
    return notification_reply_claim(case=case, channel=channel, template=ACK_TEMPLATE, lease_seconds=ACK_LEASE_SECONDS)


def chat_ack_delivered(*, notification_id: int) -> None:
    notification_reply_delivered(notification_id=notification_id)


def chat_ack_release(*, notification_id: int, error: str) -> None:
    """The in-conversation reply failed: let the outbox push it."""
    notification_reply_release(notification_id=notification_id, error=error)
