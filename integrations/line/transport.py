"""LINE's ways out: the chat engine's reply (free, with the event's reply token) and the
outbox transport, a push message to a user, group or room id.

`X-Line-Retry-Key` is the notification's stable `key`, so when a push is retried after a
timeout LINE accepts it once and answers the repeat with 409, which counts as delivered.
"""

from __future__ import annotations

import logging

from linebot.v3.messaging import ApiException

from casesys.notifications.transports import TransportError
from integrations.common.outbox import ChatTransport
from integrations.line import client

logger = logging.getLogger(__name__)


def reply(reply_token: str | None, texts: list[str]) -> None:
    """Answer an event in its conversation; raises when it did not go out (the engine then
    hands an acknowledgement back to the outbox, which pushes it)."""
    if not reply_token:
        raise RuntimeError("no reply token")
    client.reply(reply_token, texts)


class LineTransport(ChatTransport):
    channel = "line"
    label = "LINE"

    def is_configured(self) -> bool:
        return client.line_enabled()

    def send(self, notification) -> None:
        to, text = self.addressed(notification)
        try:
            client.push(to, [text], retry_key=str(notification.key))
        except ApiException as exc:
            status = exc.status or 0
            if status == 409:
                # Same retry key already accepted: the earlier attempt was delivered.
                logger.info("LINE push %s already accepted (409)", notification.key)
                return
            permanent = 400 <= status < 500 and status != 429
            raise TransportError(f"LINE API {status}: {_body(exc)}", permanent=permanent) from exc
        except Exception as exc:  # noqa: BLE001 - connection refused, timeout, DNS …
            raise TransportError(f"LINE 連線失敗 / LINE unreachable: {exc}", permanent=False) from exc


def _body(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    return (str(body or exc.reason or ""))[:500]
