"""The chat engine on its own: a channel-neutral message in, writes and replies out.

The connector here is a fake whose "platform payload" is the neutral message itself, so these
tests speak only the engine's terms; the LINE and Telegram webhook tests cover the parsers.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from casesys.cases.models import Case, CaseMessage
from casesys.inbound.chat import ChatFile
from casesys.inbound.models import InboundEvent, KeywordRule, Lead
from casesys.inbound.services import inbound_event_store
from casesys.notifications.models import Notification
from integrations.common.conversation import (
    GROUP,
    ChatConnector,
    ChatProcessor,
    IncomingMessage,
    Media,
    cut_utf16,
    parse_command,
    platform_command,
)
from integrations.common.processing import Outcome, process_inbound_event

pytestmark = pytest.mark.django_db(transaction=True)

USER = "U" + "1" * 32
GROUP_ID = "C" + "9" * 32
PROCESSOR: ChatProcessor | None = None  # the fixture's engine, found through CASESYS_CHANNELS


@dataclass
class FakePlatform:
    """Records what the engine asks of a connector."""

    replies: list[tuple[Any, list[str]]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    name_lookups: list[str] = field(default_factory=list)
    reply_error: Exception | None = None

    def parse(self, event: InboundEvent) -> IncomingMessage | Outcome:
        # Like LINE and Telegram, the text sits at message.text (where redaction rewrites it).
        fields = {**event.payload["neutral"], "text": event.payload["message"]["text"]}
        if "media" in fields:
            fields["media"] = Media(**fields["media"])
        return IncomingMessage(channel="line", reply_to=f"token-{event.external_id}", **fields)

    def reply(self, handle: Any, texts: list[str]) -> None:
        if self.reply_error is not None:
            raise self.reply_error
        self.replies.append((handle, texts))

    def fetch_media(self, media: Media) -> tuple[ChatFile | None, dict[str, Any]]:
        self.downloads.append(media.handle)
        return ChatFile(name="photo.jpg", content_type="image/jpeg", content=b"\xff\xd8fake\xff\xd9"), {"fetched": True}

    def sender_name(self, message: IncomingMessage) -> str:
        self.name_lookups.append(message.sender_id)
        return "福和里長"

    def connector(self) -> ChatConnector:
        return ChatConnector(
            channel="line",
            parse=self.parse,
            reply=self.reply,
            fetch_media=self.fetch_media,
            help_text=lambda: "說明文字 / help",
            sender_name=self.sender_name,
        )


@pytest.fixture
def platform(monkeypatch, settings):
    fake = FakePlatform()
    monkeypatch.setattr(sys.modules[__name__], "PROCESSOR", ChatProcessor(fake.connector()))
    settings.CASESYS_CHANNELS = {
        **settings.CASESYS_CHANNELS,
        "line": {**settings.CASESYS_CHANNELS["line"], "processor": f"{__name__}.PROCESSOR"},
    }
    return fake


_ids = iter(range(1, 10_000))


def deliver(**neutral: Any) -> InboundEvent:
    """Store an event carrying the neutral message and process it like the drain does."""
    n = next(_ids)
    neutral.setdefault("external_id", f"m{n}")
    if neutral.get("kind") != GROUP:
        neutral.setdefault("user_key", USER)
    event, _ = inbound_event_store(provider="line", external_id=f"ev{n}", payload={"message": {"text": neutral.pop("text", "")}, "neutral": neutral})
    process_inbound_event(event.pk)
    event.refresh_from_db()
    return event


def texts_sent(platform: FakePlatform) -> list[str]:
    return [text for _handle, texts in platform.replies for text in texts]


# --- commands -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("查詢 CS-1151122-00001", ("status", "CS-1151122-00001")),
        ("查詢 CS-1151122-00001 pw12", ("status", "CS-1151122-00001 pw12")),
        ("查詢", ("status", "")),
        ("查詢一下路燈何時修", None),
        ("/status CS-1151122-00001", ("status", "CS-1151122-00001")),
        ("我的案件", ("mycases", "")),
        ("/mycases", ("mycases", "")),
        ("新案件 公園溜滑梯斷裂", ("new", "公園溜滑梯斷裂")),
        ("/new", ("new", "")),
        ("/start", ("help", "")),
        ("路燈不亮", None),
    ],
)
def test_commands_are_recognised_in_text(text, expected):
    assert parse_command(text) == expected


def test_platform_marked_commands_map_to_the_same_commands():
    assert [platform_command(n) for n in ("status", "MyCases", "new", "start", "help", "report")] == [
        "status", "mycases", "new", "help", "help", None,
    ]


def test_mentions_are_cut_in_utf16_units():
    # The emoji counts two units, so the mention starts at unit 3.
    assert cut_utf16("😀 @bot 路燈壞了", [(3, 4)]) == "😀  路燈壞了"


# --- one-to-one -------------------------------------------------------------------------------------


def test_first_message_opens_a_case_and_the_acknowledgement_goes_out_by_reply(org, platform):
    event = deliver(text="中正路路燈不亮")

    case = Case.objects.get()
    assert (case.channel, case.subject, case.petitioner.contacts.get().address) == ("line", "中正路路燈不亮", USER)
    assert event.status == "processed"
    [(handle, [text])] = platform.replies
    assert handle == f"token-{event.external_id}"
    assert f"案號：{case.number}" in text
    ack = Notification.objects.get(template="case_acknowledged")
    assert ack.status == "sent" and ack.context.get("delivered_via") == "reply"
    assert "********" in case.messages.get(direction="out").text


def test_a_failed_reply_hands_the_acknowledgement_back_to_the_outbox(org, platform):
    platform.reply_error = RuntimeError("reply token expired")
    deliver(text="中正路路燈不亮")
    ack = Notification.objects.get(template="case_acknowledged")
    assert ack.status == "pending" and "reply token expired" in ack.last_error


def test_later_messages_join_the_open_case_and_new_opens_another(org, platform):
    deliver(text="中正路路燈不亮")
    case = Case.objects.get()
    deliver(text="晚上十點後完全沒亮")
    assert texts_sent(platform)[-1] == f"已補充到案件 {case.number}。"
    deliver(text="新案件")
    assert texts_sent(platform)[-1].startswith("請描述您要陳情的新事項")
    deliver(text="公園溜滑梯斷裂")
    assert Case.objects.count() == 2
    assert case.messages.filter(direction="in").count() == 2


def test_status_with_a_password_answers_and_the_stored_event_keeps_no_password(org, platform):
    from tests.factories import new_case

    other, password = new_case(org)
    event = deliver(text=f"查詢 {other.number} {password}")
    assert f"案號：{other.number}" in texts_sent(platform)[-1]
    assert event.payload["message"]["text"] == f"查詢 {other.number} ***"
    assert password not in str(event.payload)
    assert CaseMessage.objects.count() == 0  # a command is no petition


def test_an_unknown_platform_command_is_ignored_with_the_help(org, platform):
    event = deliver(text="/weather", command=("weather", ""))
    assert event.status == "ignored" and "/weather" in event.error
    assert texts_sent(platform) == ["說明文字 / help"]
    assert Case.objects.count() == 0


def test_media_is_fetched_and_attached(org, platform):
    deliver(content="image", media={"kind": "image", "handle": "file-1"})
    case = Case.objects.get()
    assert platform.downloads == ["file-1"]
    attachment = case.attachments.get()
    assert attachment.source_message.data["fetched"] is True


def test_a_sticker_without_an_open_case_is_ignored_silently(org, platform):
    event = deliver(content="sticker")
    assert event.status == "ignored" and "Sticker" in event.error
    assert platform.replies == [] and Case.objects.count() == 0


def test_an_edit_replaces_the_text_and_keeps_the_earlier_wording(org, platform):
    deliver(text="公園垃圾桶滿了", external_id="m-edit")
    deliver(event="edit", text="青年公園垃圾桶滿了", external_id="m-edit")
    message = CaseMessage.objects.get(external_id="m-edit")
    assert message.text == "青年公園垃圾桶滿了"
    assert message.data["history"][0]["text"] == "公園垃圾桶滿了"


# --- groups --------------------------------------------------------------------------------------------


def group(**fields: Any) -> dict[str, Any]:
    return {"kind": GROUP, "chat_id": GROUP_ID, "chat_kind": "group", "sender_id": "U" + "2" * 32, **fields}


def test_group_chatter_is_ignored_and_its_text_not_kept(org, platform):
    event = deliver(**group(text="今天里民活動中心有表演"))
    assert event.status == "ignored" and "Group chatter" in event.error
    assert "里民活動" not in str(event.payload["message"])
    assert Lead.objects.count() == 0 and platform.replies == []
    assert platform.name_lookups == []  # nobody's profile is fetched for chatter


def test_a_mention_becomes_a_lead_named_by_the_connector_and_is_answered(org, platform):
    deliver(**group(text="福和橋下路燈不亮", full_text="@市府 福和橋下路燈不亮", addressed="mention"))
    lead = Lead.objects.get()
    assert (lead.reason, lead.text, lead.sender_name) == ("mention", "福和橋下路燈不亮", "福和里長")
    assert lead.raw["full_text"] == "@市府 福和橋下路燈不亮"
    assert texts_sent(platform) == ["已收到，將由專人確認後處理。\nReceived; our staff will review it."]
    assert Case.objects.count() == 0


def test_hashtag_and_keyword_leads(org, platform):
    KeywordRule.objects.create(phrase="坑洞", category=org.pothole)
    deliver(**group(text="#陳情 人行道破損"))
    deliver(**group(text="市場口那個坑洞又變大了"))
    assert dict(Lead.objects.values_list("reason", "text")) == {"hashtag": "人行道破損", "keyword": "市場口那個坑洞又變大了"}
    assert len(platform.replies) == 1  # keyword leads stay silent


def test_a_non_text_group_message_is_ignored_with_its_type(org, platform):
    event = deliver(**group(content="image"))
    assert event.status == "ignored" and "(image)" in event.error
    assert platform.downloads == []  # group media is never fetched
