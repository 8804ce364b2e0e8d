"""Telegram's ways out: the chat engine's reply and the outbox transport, both
`sendMessage` to a chat id (user or group).

Telegram has no idempotency key: a send that timed out after Telegram accepted it may be
shown twice when retried. Errors map to the outbox's retry policy: flood control (429),
timeouts and network errors are temporary; a blocked bot, an unknown chat or a bad token
are permanent.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ReplyParameters
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from casesys.notifications.transports import TransportError
from integrations.common.outbox import ChatTransport
from integrations.telegram import client


@dataclass(frozen=True)
class ReplyTo:
    """Where the engine's answer goes: the chat, and in a group the message it answers."""

    chat_id: int | str
    message_id: int | None = None


def reply(to: ReplyTo, texts: list[str]) -> None:
    for text in texts:
        quoted = ReplyParameters(message_id=to.message_id, allow_sending_without_reply=True) if to.message_id else None
        client.send_text(to.chat_id, text, **({"reply_parameters": quoted} if quoted else {}))


class TelegramTransport(ChatTransport):
    channel = "telegram"
    label = "Telegram"

    def is_configured(self) -> bool:
        return bool(client.settings.TELEGRAM_BOT_TOKEN)

    def send(self, notification) -> None:
        chat_id, text = self.addressed(notification)
        try:
            client.send_text(chat_id, text)
        except RetryAfter as exc:
            raise TransportError(f"Telegram 流量限制 / flood control: retry after {exc.retry_after}", permanent=False) from exc
        except (Forbidden, InvalidToken, BadRequest) as exc:  # BadRequest subclasses NetworkError: test first
            raise TransportError(f"Telegram 拒絕 / rejected: {exc}", permanent=True) from exc
        except (NetworkError, TelegramError) as exc:
            raise TransportError(f"Telegram 連線失敗 / Telegram unreachable: {exc}", permanent=False) from exc
        except OSError as exc:
            raise TransportError(f"Telegram 連線失敗 / Telegram unreachable: {exc}", permanent=False) from exc
