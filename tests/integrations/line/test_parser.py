"""LINE events in the chat engine's terms (no database, no network)."""

from __future__ import annotations

from casesys.inbound.models import InboundEvent
from integrations.common.conversation import GROUP, PRIVATE, IncomingMessage
from integrations.common.processing import Outcome
from integrations.line.parser import parse
from tests.integrations.conftest import LINE_GROUP, LINE_USER, line_event, sample


def stored(name: str, **changes) -> InboundEvent:
    destination = sample("line", name)["destination"]
    return InboundEvent(provider="line", payload=line_event(name, **changes), meta={"destination": destination})


def test_a_one_to_one_text():
    message = parse(stored("user-text"))
    assert isinstance(message, IncomingMessage)
    assert (message.channel, message.event, message.kind, message.content) == ("line", "message", PRIVATE, "text")
    assert message.user_key == LINE_USER
    assert message.external_id == "468789577898262530"
    assert message.reply_to == "b60d432864f44d079f6d8efe86cf404b"
    assert message.data == {"webhook_event_id": "01KB7Z3XJ5Q0S8W2M4N6P8R001"}
    assert message.command is None  # LINE marks no commands: the engine reads the text


def test_an_image_is_described_not_downloaded():
    message = parse(stored("user-image"))
    assert message.content == "image"
    assert (message.media.kind, message.media.handle) == ("image", "468789577898262533")
    assert message.media.extra["content_provider"] == "line"


def test_a_group_mention_of_the_bot_is_cut_from_the_text():
    message = parse(stored("group-text-mention"))
    assert (message.kind, message.chat_id, message.chat_kind) == (GROUP, LINE_GROUP, "group")
    assert message.addressed == "mention"
    assert message.text == "#陳情 福和橋下路燈不亮很危險"
    assert message.full_text == "@市府小幫手 #陳情 福和橋下路燈不亮很危險"
    assert message.sender_id == LINE_USER and message.sender_name == ""  # the name needs a profile lookup


def test_unsend_and_join():
    unsend = parse(stored("user-unsend"))
    assert (unsend.event, unsend.external_id) == ("unsend", "468789577898262530")
    join = parse(stored("group-join"))
    assert (join.event, join.kind, join.chat_id) == ("joined", GROUP, LINE_GROUP)


def test_standby_and_unknown_events_are_outcomes():
    standby = parse(stored("user-text", mode="standby"))
    assert isinstance(standby, Outcome) and standby.status == "ignored"
    unknown = parse(InboundEvent(provider="line", payload={"type": "somethingNew"}, meta={}))
    assert isinstance(unknown, Outcome) and unknown.status == "failed" and "somethingNew" in unknown.reason
