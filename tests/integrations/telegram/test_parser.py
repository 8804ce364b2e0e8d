"""Telegram updates in the chat engine's terms (no database, no network)."""

from __future__ import annotations

import copy

import pytest

from casesys.inbound.models import InboundEvent
from integrations.common.conversation import GROUP, PRIVATE
from integrations.common.processing import Outcome
from integrations.telegram.parser import parse
from integrations.telegram.transport import ReplyTo
from tests.integrations.conftest import sample
from tests.integrations.fakes import BOT_USERNAME, TELEGRAM_TOKEN


@pytest.fixture(autouse=True)
def bot(settings):
    settings.TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME


def stored(update: dict) -> InboundEvent:
    return InboundEvent(provider="telegram", payload=update)


def test_a_private_text():
    message = parse(stored(sample("telegram", "private-text")))
    assert (message.channel, message.kind, message.content) == ("telegram", PRIVATE, "text")
    assert message.user_key == "123456789" and message.sender_name == "美玲"
    assert message.external_id == "123456789:17"
    assert message.reply_to == ReplyTo(chat_id=123456789)
    assert message.data == {"update_id": 900000001}


def test_a_command_is_marked_by_its_entity():
    message = parse(stored(sample("telegram", "private-command-status")))
    assert message.command == ("status", "CS-1151122-00001")


def test_a_photo_is_described_by_its_largest_size():
    message = parse(stored(sample("telegram", "private-photo")))
    assert (message.content, message.text) == ("image", "水溝蓋鬆動")
    assert (message.media.handle, message.media.size) == ("AgACAgUAAxkBAAIBQ3", 123456)


def test_a_group_mention_is_cut_and_the_reply_quotes_the_message():
    message = parse(stored(sample("telegram", "group-mention")))
    assert (message.kind, message.chat_kind, message.chat_name) == (GROUP, "supergroup", "福和里里民群組")
    assert (message.addressed, message.text) == ("mention", "福和橋下路燈不亮很危險")
    assert message.reply_to == ReplyTo(chat_id=-1001234567890, message_id=301)


def test_a_report_command_addressed_to_another_bot_is_not_for_us():
    update = copy.deepcopy(sample("telegram", "group-chatter"))
    update["message"]["text"] = "/report@other_bot 公車亭玻璃破裂"
    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 17}]
    assert parse(stored(update)).addressed == ""


def test_an_edit_and_an_unknown_update():
    edit = parse(stored(sample("telegram", "edited-message")))
    assert (edit.event, edit.external_id) == ("edit", "123456789:17")
    unknown = parse(stored({"update_id": 5, "chat_join_request_x": {"anything": 1}}))
    assert isinstance(unknown, Outcome) and unknown.status == "ignored" and "chat_join_request_x" in unknown.reason
