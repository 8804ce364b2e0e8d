"""LINE Messaging API clients (line-bot-sdk v3), pointed at `LINE_API_HOST`.

`Configuration(host=...)` replaces the SDK's built-in hosts, so tests reach a local fake
server. The content (blob) API lives on a different host in production (api-data.line.me).
"""

from __future__ import annotations

import logging
import mimetypes
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from casesys.inbound.chat import ChatFile

if TYPE_CHECKING:
    from integrations.common.conversation import IncomingMessage, Media

logger = logging.getLogger(__name__)

LINE_DEFAULT_HOST = "https://api.line.me"
LINE_DEFAULT_DATA_HOST = "https://api-data.line.me"
TEXT_LIMIT = 5000  # LINE's limit for one text message
TIMEOUT = (5, 20)  # connect, read (seconds)


def line_enabled() -> bool:
    return bool(settings.LINE_CHANNEL_SECRET and settings.LINE_CHANNEL_ACCESS_TOKEN)


def _configuration(*, data: bool = False) -> Configuration:
    host = (settings.LINE_API_HOST or LINE_DEFAULT_HOST).rstrip("/")
    if data:
        host = (settings.LINE_API_DATA_HOST or "").rstrip("/") or (
            LINE_DEFAULT_DATA_HOST if host == LINE_DEFAULT_HOST else host
        )
    return Configuration(host=host, access_token=settings.LINE_CHANNEL_ACCESS_TOKEN)


@contextmanager
def messaging_api():
    with ApiClient(_configuration()) as client:
        yield MessagingApi(client)


@contextmanager
def blob_api():
    with ApiClient(_configuration(data=True)) as client:
        yield MessagingApiBlob(client)


def text_messages(texts: list[str]) -> list[TextMessage]:
    # A reply or push carries at most 5 messages.
    return [TextMessage(text=t[:TEXT_LIMIT]) for t in texts if t][:5]


def reply(reply_token: str, texts: list[str]) -> None:
    with messaging_api() as api:
        api.reply_message(
            ReplyMessageRequest(reply_token=reply_token, messages=text_messages(texts)), _request_timeout=TIMEOUT
        )


def push(to: str, texts: list[str], *, retry_key: str | None = None) -> None:
    with messaging_api() as api:
        api.push_message(
            PushMessageRequest(to=to, messages=text_messages(texts)), x_line_retry_key=retry_key, _request_timeout=TIMEOUT
        )


def download_content(message_id: str) -> tuple[bytes, str]:
    """The bytes and content type of an image/video/audio/file message."""
    with blob_api() as api:
        response = api.get_message_content_with_http_info(message_id, _request_timeout=TIMEOUT)
        headers = response.headers or {}
        content_type = headers.get("Content-Type") or headers.get("content-type") or "application/octet-stream"
        return bytes(response.data or b""), content_type


def fetch_media(media: Media) -> tuple[ChatFile | None, dict[str, Any]]:
    """The chat engine's media download: (file, notes kept with the message).

    Raises for a temporary failure (5xx, 429, network): the event stays pending and is retried.
    """
    provider = media.extra.get("content_provider") or "line"
    if provider != "line":
        # Sent through another provider (e.g. LIFF): LINE does not host the bytes.
        return None, {"content_url": media.extra.get("content_url", ""), "content_provider": provider}
    try:
        content, content_type = download_content(media.handle)
    except ApiException as exc:
        if exc.status and 400 <= exc.status < 500 and exc.status != 429:
            # Expired or removed content will never come back: keep the message, note it.
            return None, {"download_error": f"{exc.status} {exc.reason}"}
        raise
    extension = mimetypes.guess_extension(content_type.split(";")[0]) or ""
    name = media.name or f"line-{media.handle}{extension}"
    return ChatFile(name=name, content_type=content_type, content=content), {}


def group_sender_name(message: IncomingMessage) -> str:
    return display_name_in_group(message.chat_kind, message.chat_id, message.sender_id)


def display_name_in_group(group_kind: str, group_id: str, user_id: str) -> str:
    """Best effort: the sender's display name (needs no friendship in a group)."""
    if not user_id:
        return ""
    try:
        with messaging_api() as api:
            if group_kind == "room":
                profile = api.get_room_member_profile(group_id, user_id, _request_timeout=TIMEOUT)
            else:
                profile = api.get_group_member_profile(group_id, user_id, _request_timeout=TIMEOUT)
            return profile.display_name or ""
    except Exception:  # noqa: BLE001 - the name is a convenience, never a reason to fail
        logger.info("LINE profile lookup failed for %s in %s", user_id, group_id, exc_info=True)
        return ""


__all__ = [
    "ApiException", "blob_api", "download_content", "fetch_media", "group_sender_name", "line_enabled",
    "messaging_api", "push", "reply",
]
