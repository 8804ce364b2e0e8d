"""What a worker runs for Telegram updates.

The webhook wakes `integrations.common.tasks.drain_inbound_events("telegram")`; the drain
(and the sweep) hand each pending update to `processor`: the shared chat engine plugged
with this package's parser, reply and file download. Telegram sends the sender's name with
each message and has no unsend, so the engine's optional hooks stay unset.
"""

from __future__ import annotations

from integrations.common import chat as texts
from integrations.common.conversation import ChatConnector, ChatProcessor
from integrations.telegram import client, parser, transport

processor = ChatProcessor(
    ChatConnector(
        channel="telegram",
        parse=parser.parse,
        reply=transport.reply,
        fetch_media=client.fetch_media,
        help_text=texts.telegram_welcome_text,
    )
)
