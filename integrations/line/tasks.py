"""What a worker runs for LINE events.

The webhook wakes `integrations.common.tasks.drain_inbound_events("line")`; the drain (and
the sweep) hand each pending event to `processor`, the shared chat engine plugged with this
package's parser, reply and media download (its "processor" in `settings.CASESYS_CHANNELS`).
LINE needs no task of its own.
"""

from __future__ import annotations

from integrations.common import chat as texts
from integrations.common.conversation import ChatConnector, ChatProcessor
from integrations.line import client, parser, transport

connector = ChatConnector(
    channel="line",
    parse=parser.parse,
    reply=transport.reply,
    fetch_media=client.fetch_media,
    help_text=texts.welcome_text,
    # Group messages carry only the sender's id; an unsend may overtake its message.
    sender_name=client.group_sender_name,
    withdrawn=parser.unsent_already,
)
processor = ChatProcessor(connector)
