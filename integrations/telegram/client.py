"""Telegram Bot API through python-telegram-bot v22, called from synchronous code.

PTB is asyncio-only; every call here runs one short event loop (`asyncio.run`) around
`async with Bot(...)` (which calls getMe first). `TELEGRAM_API_BASE_URL` is the server
root: the bot API is `{root}/bot<token>/…` and files `{root}/file/bot<token>/…`, so
tests can point both at a local fake server.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from telegram import Bot
from telegram.error import BadRequest, Forbidden

from casesys.inbound.chat import ChatFile

if TYPE_CHECKING:
    from integrations.common.conversation import Media

logger = logging.getLogger(__name__)

T = TypeVar("T")

TEXT_LIMIT = 4096  # Telegram's limit for one message


def telegram_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_WEBHOOK_SECRET)


def bot_user_id() -> int | None:
    # The numeric part of the token is the bot's own user id (no getMe needed).
    head = (settings.TELEGRAM_BOT_TOKEN or "").split(":", 1)[0]
    return int(head) if head.isdigit() else None


def make_bot() -> Bot:
    root = (settings.TELEGRAM_API_BASE_URL or "https://api.telegram.org").rstrip("/")
    return Bot(settings.TELEGRAM_BOT_TOKEN, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")


def run(call: Callable[[Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        async with make_bot() as bot:
            return await call(bot)

    return asyncio.run(main())


def send_text(chat_id: int | str, text: str, **kwargs: Any):
    return run(lambda bot: bot.send_message(chat_id=chat_id, text=text[:TEXT_LIMIT], **kwargs))


def download_file(file_id: str) -> tuple[bytes, str]:
    """Bytes and Telegram's file path (its extension hints the type) of a photo/document."""

    async def call(bot: Bot) -> tuple[bytes, str]:
        file = await bot.get_file(file_id)
        data = await file.download_as_bytearray()
        return bytes(data), file.file_path or ""

    return run(call)


def fetch_media(media: Media) -> tuple[ChatFile | None, dict[str, Any]]:
    """The chat engine's media download: (file, notes kept with the message).

    Network trouble raises: the event stays pending and is retried.
    """
    notes: dict[str, Any] = {"file_id": media.handle}
    limit = settings.CASESYS["ATTACHMENT_MAX_BYTES"]
    if media.size and media.size > limit:
        return None, {"download_error": f"檔案過大 / File too large ({media.size} bytes)", **notes}
    try:
        content, path = download_file(media.handle)
    except (BadRequest, Forbidden) as exc:
        # Unknown/expired file ids and files over the Bot API's 20 MB limit never succeed.
        return None, {"download_error": str(exc), **notes}
    mime = media.content_type or mimetypes.guess_type(path or media.name)[0] or "application/octet-stream"
    return ChatFile(name=media.name, content_type=mime, content=content), notes


def bot_username() -> str:
    """The bot's @name (for mentions in groups): the setting, else getMe once a day."""
    configured = (settings.TELEGRAM_BOT_USERNAME or "").lstrip("@")
    if configured:
        return configured
    key = "casesys:telegram:bot-username"
    name = cache.get(key)
    if name is None:
        try:
            name = run(_username)
        except Exception:  # noqa: BLE001 - without a name only @-mentions go unnoticed
            logger.warning("Telegram getMe failed; set TELEGRAM_BOT_USERNAME", exc_info=True)
            return ""
        cache.set(key, name, 24 * 3600)
    return name


async def _username(bot: Bot) -> str:
    return bot.username or ""


def set_webhook(url: str, *, drop_pending_updates: bool = False) -> bool:
    return run(
        lambda bot: bot.set_webhook(
            url=url,
            secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
            allowed_updates=["message", "edited_message", "my_chat_member"],
            drop_pending_updates=drop_pending_updates,
        )
    )
