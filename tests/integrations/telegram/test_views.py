"""Telegram webhook end to end: secret header → stored update → task → case/lead → sendMessage at the fake API."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casesys.cases.models import Attachment, Case, CaseMessage, State
from casesys.inbound.models import ChatGroup, InboundEvent, KeywordRule, Lead
from integrations.common.tasks import sweep_inbound_events
from tests.integrations.conftest import TELEGRAM_SECRET, sample
from tests.integrations.fakes import BOT_ID, FAKE_JPEG

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 123456789
GROUP = -1001234567890


def sent(telegram_api) -> list[dict]:
    return [r.form() for r in telegram_api.calls("POST", "/sendMessage")]


def update(name: str, *, update_id: int | None = None, text: str | None = None, message_id: int | None = None) -> dict:
    data = copy.deepcopy(sample("telegram", name))
    if update_id is not None:
        data["update_id"] = update_id
    body = data.get("message") or data.get("edited_message")
    if text is not None:
        body["text"] = text
        body.pop("entities", None)
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if message_id is not None:
        body["message_id"] = message_id
    return data


# --- verification --------------------------------------------------------------------------------


def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(org, telegram_api, eager_celery, post_telegram):
    assert post_telegram(update("private-text"), secret="wrong").status_code == 403
    assert post_telegram(update("private-text"), secret=None).status_code == 403
    assert InboundEvent.objects.count() == 0
    assert telegram_api.requests == []


def test_malformed_update_is_400(org, telegram_api, eager_celery, post_telegram):
    assert post_telegram(b"{oops").status_code == 400
    assert post_telegram({"message": {}}).status_code == 400
    assert post_telegram({"update_id": "12"}).status_code == 400
    assert InboundEvent.objects.count() == 0


def test_switched_off_without_settings(settings, org, post_telegram):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert post_telegram(update("private-text"), secret=TELEGRAM_SECRET).status_code == 404
    assert InboundEvent.objects.count() == 0


# --- private chats ---------------------------------------------------------------------------------


def test_private_text_opens_a_telegram_case_and_replies(org, telegram_api, eager_celery, post_telegram):
    assert post_telegram(update("private-text")).status_code == 200
    case = Case.objects.get()
    assert (case.channel, case.state) == ("telegram", State.RECEIVED)
    assert case.subject == "社區公園的垃圾桶滿出來了"
    assert list(case.petitioner.contacts.values_list("channel", "address", "verified")) == [("telegram", str(CHAT), True)]
    assert case.petitioner.name == "美玲"
    event = InboundEvent.objects.get()
    assert (event.provider, event.external_id, event.status) == ("telegram", "900000001", "processed")

    assert telegram_api.calls("POST", "/getMe")  # PTB's Bot initialises itself first
    [reply] = sent(telegram_api)
    assert reply["chat_id"] == str(CHAT)
    assert f"案號：{case.number}\n查詢密碼：" in reply["text"]


def test_duplicate_update_yields_one_message_and_one_reply(org, telegram_api, eager_celery, post_telegram):
    for _ in range(3):
        assert post_telegram(update("private-text")).status_code == 200
    assert InboundEvent.objects.count() == 1
    assert CaseMessage.objects.filter(direction="in").count() == 1
    assert len(sent(telegram_api)) == 1


def test_status_command_answers_with_the_case_status(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    case = Case.objects.get()
    post_telegram(update("private-command-status", text=f"/status {case.number}"))
    text = sent(telegram_api)[-1]["text"]
    assert f"案號：{case.number}" in text
    assert "狀態：已受理" in text


def test_sample_status_command_for_an_unknown_case(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-command-status"))
    assert sent(telegram_api)[-1]["text"].startswith("找不到案件 CS-1151122-00001")


def test_mycases_and_start(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    case = Case.objects.get()
    post_telegram(update("private-command-status", update_id=900000010, message_id=40, text="/mycases"))
    post_telegram(update("private-command-status", update_id=900000011, message_id=41, text="/start"))
    texts = [m["text"] for m in sent(telegram_api)]
    assert case.number in texts[1]
    assert texts[2].startswith("歡迎使用市政陳情服務")


def test_new_command_opens_a_separate_case(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    post_telegram(update("private-command-status", update_id=900000012, message_id=42, text="/new 路口號誌故障"))
    assert Case.objects.count() == 2
    assert Case.objects.order_by("-id").first().subject == "路口號誌故障"


def test_photo_is_downloaded_and_attached_to_the_open_case(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    post_telegram(update("private-photo"))
    case = Case.objects.get()
    attachment = Attachment.objects.get(case=case)
    assert attachment.file.read() == FAKE_JPEG
    assert attachment.source_message.text == "水溝蓋鬆動"
    [get_file] = telegram_api.calls("POST", "/getFile")
    assert get_file.form()["file_id"] == "AgACAgUAAxkBAAIBQ3"  # the largest size
    assert telegram_api.calls("GET", "/photos/file_7.jpg")


def test_location_sets_the_case_location(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    post_telegram(update("private-location"))
    case = Case.objects.get()
    assert (float(case.lat), float(case.lng)) == (pytest.approx(25.0375), pytest.approx(121.5637))


def test_edited_message_updates_the_recorded_text(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("private-text"))
    post_telegram(update("edited-message"))
    message = CaseMessage.objects.get(external_id=f"{CHAT}:17")
    assert message.text == "社區公園（青年公園）的垃圾桶滿出來了"
    assert message.data["history"][0]["text"] == "社區公園的垃圾桶滿出來了"


# --- groups -------------------------------------------------------------------------------------------


def test_group_mention_becomes_a_lead_and_the_bot_answers_in_the_group(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("group-mention"))
    lead = Lead.objects.get()
    assert (lead.source, lead.reason, lead.text) == ("telegram", "mention", "福和橋下路燈不亮很危險")
    assert lead.group.name == "福和里里民群組"
    assert lead.group.kind == "supergroup"
    assert (lead.sender_id, lead.sender_name) == ("223456789", "里長")
    assert Case.objects.count() == 0
    [reply] = sent(telegram_api)
    assert reply["chat_id"] == str(GROUP)
    assert reply["text"] == "已收到，將由專人確認後處理。\nReceived; our staff will review it."
    assert reply["reply_parameters"]["message_id"] == 301


def test_group_chatter_is_ignored(org, telegram_api, eager_celery, post_telegram):
    post_telegram(update("group-chatter"))
    event = InboundEvent.objects.get()
    assert event.status == "ignored"
    assert Lead.objects.count() == 0
    assert sent(telegram_api) == []


def test_group_keyword_and_report_command(org, telegram_api, eager_celery, post_telegram):
    KeywordRule.objects.create(phrase="淹水", category=org.mailbox)
    post_telegram(update("group-chatter", update_id=900000020, message_id=310, text="興隆路又淹水了"))
    post_telegram(update("group-chatter", update_id=900000021, message_id=311, text="/report@casesys_bot 公車亭玻璃破裂"))
    reasons = dict(Lead.objects.values_list("reason", "text"))
    assert reasons == {"keyword": "興隆路又淹水了", "command": "公車亭玻璃破裂"}
    assert len(sent(telegram_api)) == 1  # only the command is answered


def test_bot_added_and_removed_from_a_group(org, telegram_api, eager_celery, post_telegram):
    def member_update(update_id: int, status: str, date: int) -> dict:
        return {
            "update_id": update_id,
            "my_chat_member": {
                "chat": {"id": GROUP, "title": "福和里里民群組", "type": "supergroup"},
                "from": {"id": 223456789, "is_bot": False, "first_name": "里長"},
                "date": date,
                "old_chat_member": {"user": {"id": BOT_ID, "is_bot": True, "first_name": "市府小幫手"}, "status": "left"},
                "new_chat_member": {"user": {"id": BOT_ID, "is_bot": True, "first_name": "市府小幫手"}, "status": status},
            },
        }

    post_telegram(member_update(900000030, "member", 1795340000))
    group = ChatGroup.objects.get(provider="telegram", group_id=str(GROUP))
    assert group.active and group.name == "福和里里民群組"
    post_telegram(member_update(900000031, "left", 1795340100))
    group.refresh_from_db()
    assert not group.active


# --- broker down ---------------------------------------------------------------------------------------


def test_update_stored_while_the_broker_is_down_is_processed_by_the_sweep(org, telegram_api, broker_down, post_telegram):
    assert post_telegram(update("private-text")).status_code == 200
    assert InboundEvent.objects.get().status == "pending"
    assert Case.objects.count() == 0

    assert sweep_inbound_events(older_than_seconds=0) == {"processed": 1}
    assert Case.objects.get().channel == "telegram"
    assert len(sent(telegram_api)) == 1


# --- set webhook ------------------------------------------------------------------------------------------


def test_set_webhook_registers_url_and_secret(org, telegram_api):
    out = io.StringIO()
    call_command("telegram_set_webhook", "https://casesys.example.gov.tw/integrations/telegram/webhook/", stdout=out)
    [call] = telegram_api.calls("POST", "/setWebhook")
    form = call.form()
    assert form["url"] == "https://casesys.example.gov.tw/integrations/telegram/webhook/"
    assert form["secret_token"] == TELEGRAM_SECRET
    assert "Webhook registered" in out.getvalue()


def test_set_webhook_refuses_plain_http(org, telegram_api):
    with pytest.raises(CommandError):
        call_command("telegram_set_webhook", "http://casesys.example.gov.tw/hook/")
    assert telegram_api.calls("POST", "/setWebhook") == []


def test_the_chinese_commands_work_on_telegram_too(org, telegram_api, eager_celery, post_telegram):
    # One conversation for every chat channel: 我的案件 is the same command as /mycases.
    post_telegram(update("private-text"))
    case = Case.objects.get()
    post_telegram(update("private-text", update_id=900000040, message_id=50, text="我的案件"))
    assert sent(telegram_api)[-1]["text"].startswith("您處理中的案件 / Your open cases:")
    assert case.number in sent(telegram_api)[-1]["text"]
    assert CaseMessage.objects.filter(direction="in").count() == 1
