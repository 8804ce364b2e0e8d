"""LINE webhook end to end: signed request → stored event → task → case/lead → reply to the fake API."""

from __future__ import annotations

import pytest

from casesys.cases.events import CaseEventKind
from casesys.cases.models import Attachment, Case, CaseMessage, State
from casesys.inbound.models import ChatGroup, InboundEvent, KeywordRule, Lead
from casesys.notifications.models import Notification
from integrations.common.tasks import sweep_inbound_events
from tests.integrations.conftest import (
    LINE_GROUP,
    LINE_USER,
    line_body,
    line_event,
    line_sign,
    sample,
)
from tests.integrations.fakes import FAKE_JPEG

pytestmark = pytest.mark.django_db(transaction=True)


def replies(line_api) -> list[dict]:
    return [r.json() for r in line_api.calls("POST", "/v2/bot/message/reply")]


def reply_texts(line_api) -> list[str]:
    return [m["text"] for body in replies(line_api) for m in body["messages"]]


# --- verification and storage ------------------------------------------------------------


def test_wrong_signature_is_refused_and_nothing_is_stored(org, line_api, eager_celery, post_line):
    body = line_body(line_event("user-text"))
    response = post_line(body, signature=line_sign(body, "someone-elses-secret"))
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0
    assert Case.objects.count() == 0
    assert line_api.requests == []


def test_missing_signature_is_refused(org, line_api, eager_celery, post_line):
    response = post_line(line_body(line_event("user-text")), sign=False)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_signature_over_different_bytes_is_refused(org, line_api, eager_celery, post_line):
    body = line_body(line_event("user-text"))
    tampered = body.replace("路燈".encode(), "水溝".encode())
    response = post_line(tampered, signature=line_sign(body))
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_malformed_body_with_valid_signature_is_400_and_stores_nothing(org, line_api, eager_celery, post_line):
    for body in (b"{not json", b'{"destination": "U1"}', b'{"events": [1, 2]}'):
        response = post_line(body)
        assert response.status_code == 400, body
    assert InboundEvent.objects.count() == 0


def test_switched_off_without_settings(settings, org, post_line):
    settings.LINE_CHANNEL_SECRET = ""
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    body = line_body(line_event("user-text"))
    response = post_line(body)
    assert response.status_code == 404
    assert InboundEvent.objects.count() == 0


def test_verify_button_empty_events_answers_200(org, line_api, eager_celery, post_line):
    response = post_line(line_body())
    assert response.status_code == 200
    assert InboundEvent.objects.count() == 0


# --- one-to-one chats ------------------------------------------------------------------------


def test_first_message_opens_a_line_case_and_replies_number_and_password(org, line_api, eager_celery, post_line):
    response = post_line(line_body(line_event("user-text")))
    assert response.status_code == 200

    case = Case.objects.get()
    assert case.channel == "line"
    assert case.state == State.RECEIVED
    assert case.subject == "您好，中正路三段12號前路燈連續三晚不亮，請派員修復。"
    assert list(case.petitioner.contacts.values_list("channel", "address", "verified")) == [("line", LINE_USER, True)]
    message = case.messages.get(direction="in")
    assert message.external_id == "468789577898262530"
    event = InboundEvent.objects.get()
    assert (event.provider, event.external_id, event.status) == ("line", "01KB7Z3XJ5Q0S8W2M4N6P8R001", "processed")

    [call] = line_api.calls("POST", "/v2/bot/message/reply")
    assert call.headers["authorization"] == "Bearer test-line-access-token"
    body = call.json()
    assert body["replyToken"] == "b60d432864f44d079f6d8efe86cf404b"
    assert len(body["messages"]) == 1 and body["messages"][0]["type"] == "text"
    text = body["messages"][0]["text"]
    assert f"案號：{case.number}" in text
    password = text.split("查詢密碼：")[1].split("\n")[0]
    from casesys.cases.numbering import check_case_password

    assert check_case_password(password, case.password_hash)


def test_duplicate_and_redelivered_event_yield_one_message_and_one_reply(org, line_api, eager_celery, post_line):
    body = line_body(line_event("user-text"))
    assert post_line(body).status_code == 200
    assert post_line(body).status_code == 200
    redelivered = line_event("user-text", deliveryContext={"isRedelivery": True})
    assert post_line(line_body(redelivered)).status_code == 200

    assert InboundEvent.objects.count() == 1
    assert Case.objects.count() == 1
    assert CaseMessage.objects.filter(direction="in").count() == 1
    assert len(replies(line_api)) == 1


def test_processing_twice_never_replies_twice(org, line_api, eager_celery, post_line):
    from integrations.common.processing import process_inbound_event

    post_line(line_body(line_event("user-text")))
    event = InboundEvent.objects.get()
    assert process_inbound_event(event.pk, provider="line") == "skipped"
    assert sweep_inbound_events(older_than_seconds=0) == {}
    assert len(replies(line_api)) == 1


def test_second_message_is_appended_to_the_open_case(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    follow_up = line_event("user-text", webhookEventId="01KB7Z3XJ5Q0S8W2M4N6P8R0A1", message_id="468789577898262599",
                           text="補充：晚上十點後完全沒亮")
    post_line(line_body(follow_up))

    case = Case.objects.get()
    assert list(case.messages.filter(direction="in").values_list("text", flat=True)) == [
        "您好，中正路三段12號前路燈連續三晚不亮，請派員修復。",
        "補充：晚上十點後完全沒亮",
    ]
    assert reply_texts(line_api)[1] == f"已補充到案件 {case.number}。"


def test_image_is_downloaded_with_the_blob_api_and_attached(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    post_line(line_body(line_event("user-image")))

    case = Case.objects.get()
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == FAKE_JPEG
    assert attachment.source_message.kind == "image"
    assert line_api.calls("GET", "/v2/bot/message/468789577898262533/content")


def test_image_as_first_message_opens_a_case(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-image")))
    case = Case.objects.get()
    assert case.attachments.count() == 1
    assert "案號" in reply_texts(line_api)[0]


def test_image_whose_content_is_gone_is_kept_without_attachment(org, line_api, eager_celery, post_line):
    line_api.respond("GET", r"/v2/bot/message/\d+/content", 404, {"message": "Not found"})
    post_line(line_body(line_event("user-text")))
    post_line(line_body(line_event("user-image")))
    message = CaseMessage.objects.get(kind="image")
    assert message.attachments.count() == 0
    assert message.data["download_error"].startswith("404")
    assert InboundEvent.objects.filter(status="processed").count() == 2


def test_image_download_failing_temporarily_stays_pending_then_succeeds(org, line_api, eager_celery, post_line):
    line_api.respond("GET", r"/v2/bot/message/\d+/content", 500, {"message": "busy"})
    post_line(line_body(line_event("user-image")))
    event = InboundEvent.objects.get()
    assert event.status == "pending" and event.attempts == 1 and "500" in event.error
    assert Case.objects.count() == 0 and replies(line_api) == []

    line_api.route("GET", r"/v2/bot/message/(\d+)/content", lambda rec, m: (200, FAKE_JPEG, "image/jpeg"))
    sweep_inbound_events(older_than_seconds=0)
    event.refresh_from_db()
    assert event.status == "processed"
    assert Attachment.objects.count() == 1
    assert len(replies(line_api)) == 1


def test_location_sets_the_case_location(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    post_line(line_body(line_event("user-location")))
    case = Case.objects.get()
    assert float(case.lat) == pytest.approx(25.0375)
    assert float(case.lng) == pytest.approx(121.5637)
    assert case.address == "110臺北市信義區市府路1號"
    assert case.events.filter(kind=CaseEventKind.LOCATION_SET).exists()


def test_location_as_first_message_opens_a_located_case(org, line_api, eager_celery, post_line):
    event = line_event("user-location")
    event["message"].update(latitude=25.03751234567891, longitude=121.56372222222)
    post_line(line_body(event))
    case = Case.objects.get()
    assert (float(case.lat), float(case.lng)) == (25.037512, 121.563722)
    assert case.subject == "臺北市政府 110臺北市信義區市府路1號"
    assert "案號" in reply_texts(line_api)[0]


def test_unsend_marks_the_message_deleted(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    post_line(line_body(line_event("user-unsend")))
    message = CaseMessage.objects.get(external_id="468789577898262530")
    assert message.deleted is True
    assert InboundEvent.objects.get(event_type="unsend").status == "processed"


def test_unsend_arriving_before_its_message_still_hides_it(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-unsend")))
    assert InboundEvent.objects.get(event_type="unsend").status == "ignored"
    post_line(line_body(line_event("user-text")))
    assert CaseMessage.objects.get(external_id="468789577898262530").deleted is True


def test_status_command_answers_the_users_case(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    case = Case.objects.get()
    query = line_event("user-text", webhookEventId="01KB7Z3XJ5Q0S8W2M4N6P8R0B1", message_id="9001", text=f"查詢 {case.number}")
    post_line(line_body(query))
    text = reply_texts(line_api)[-1]
    assert f"案號：{case.number}" in text
    assert "狀態：已受理" in text
    assert CaseMessage.objects.filter(direction="in").count() == 1  # a command is not a petition


def test_status_command_does_not_reveal_other_peoples_cases(org, line_api, eager_celery, post_line):
    from tests.factories import new_case

    other, _ = new_case(org)
    query = line_event("user-text", text=f"查詢 {other.number}")
    post_line(line_body(query))
    assert reply_texts(line_api)[-1].startswith(f"找不到案件 {other.number}")
    assert Case.objects.count() == 1


def test_my_cases_lists_open_cases(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    case = Case.objects.get()
    post_line(line_body(line_event("user-text", webhookEventId="01KB7Z3XJ5Q0S8W2M4N6P8R0C1", message_id="9002", text="我的案件")))
    text = reply_texts(line_api)[-1]
    assert text.startswith("您處理中的案件 / Your open cases:")
    assert case.number in text


def test_new_case_command_opens_a_second_case(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text")))
    post_line(line_body(line_event("user-text", webhookEventId="E2", message_id="9003", text="新案件")))
    post_line(line_body(line_event("user-text", webhookEventId="E3", message_id="9004", text="公園溜滑梯斷裂")))
    assert Case.objects.count() == 2
    assert Case.objects.order_by("-id").first().subject == "公園溜滑梯斷裂"


def test_follow_gets_a_welcome(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-follow")))
    assert reply_texts(line_api)[0].startswith("歡迎使用市政陳情服務")
    assert Case.objects.count() == 0


def test_acknowledgement_is_sent_once_by_reply_not_also_pushed(org, line_api, eager_celery, post_line):
    from casesys.notifications.tasks import deliver_due_notifications

    post_line(line_body(line_event("user-text")))
    deliver_due_notifications()
    ack = Notification.objects.get(template="case_acknowledged")
    assert (ack.channel, ack.recipient_address, ack.status) == ("line", LINE_USER, "sent")
    assert ack.context.get("delivered_via") == "reply"
    assert "password" not in ack.context
    assert len(replies(line_api)) == 1
    assert line_api.calls("POST", "/v2/bot/message/push") == []
    # The conversation view keeps the bot's answer without the password.
    case = Case.objects.get()
    assert "********" in case.messages.get(direction="out").text


def test_expired_reply_token_hands_the_acknowledgement_to_the_outbox_push(org, line_api, eager_celery, post_line):
    from casesys.notifications.tasks import deliver_due_notifications

    line_api.respond("POST", r"/v2/bot/message/reply", 400, {"message": "Invalid reply token"})
    post_line(line_body(line_event("user-text")))
    ack = Notification.objects.get(template="case_acknowledged")
    assert ack.status == "pending" and "reply failed" in ack.last_error

    deliver_due_notifications()
    [push] = line_api.calls("POST", "/v2/bot/message/push")
    assert push.headers["x-line-retry-key"] == str(ack.key)
    body = push.json()
    assert body["to"] == LINE_USER
    case = Case.objects.get()
    assert f"案號：{case.number}" in body["messages"][0]["text"]
    ack.refresh_from_db()
    assert ack.status == "sent"


# --- groups and rooms -----------------------------------------------------------------------


def test_group_message_mentioning_the_bot_becomes_a_lead_with_a_reply(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("group-text-mention")))
    lead = Lead.objects.get()
    assert (lead.source, lead.reason, lead.status) == ("line", "mention", "new")
    assert lead.text == "福和橋下路燈不亮很危險"
    assert lead.group.group_id == LINE_GROUP
    assert lead.sender_id == LINE_USER
    assert lead.sender_name == "福和里長"
    assert lead.occurred_at.timestamp() == 1795340002
    assert Case.objects.count() == 0  # group messages are never cases by themselves
    [body] = replies(line_api)
    assert body == {
        "replyToken": "0f3779fba3b349968c5d07db31eab56f",
        "messages": [{"type": "text", "text": "已收到，將由專人確認後處理。\nReceived; our staff will review it."}],
        "notificationDisabled": False,
    }


def test_hashtag_in_a_group_becomes_a_lead(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("group-chatter", text="#陳情 里民活動中心前人行道破損")))
    lead = Lead.objects.get()
    assert lead.reason == "hashtag"
    assert lead.text == "里民活動中心前人行道破損"


def test_keyword_rule_turns_group_chatter_into_a_silent_lead(org, line_api, eager_celery, post_line):
    KeywordRule.objects.create(phrase="坑洞", category=org.pothole, department=org.road)
    post_line(line_body(line_event("group-chatter", text="大家小心，市場口那個坑洞又變大了")))
    lead = Lead.objects.get()
    assert lead.reason == "keyword"
    assert lead.matched_rule.phrase == "坑洞"
    assert lead.suggested_category == org.pothole
    assert replies(line_api) == []  # the bot does not butt into the conversation


def test_plain_group_chatter_is_ignored_and_its_text_not_kept(org, line_api, eager_celery, post_line):
    KeywordRule.objects.create(phrase="路燈")
    post_line(line_body(line_event("group-chatter")))
    event = InboundEvent.objects.get()
    assert event.status == "ignored"
    assert "Group chatter" in event.error
    assert "里民活動" not in event.payload["message"]["text"]
    assert Lead.objects.count() == 0
    assert replies(line_api) == []


def test_room_message_with_keyword_becomes_a_lead(org, line_api, eager_celery, post_line):
    KeywordRule.objects.create(phrase="水溝蓋")
    post_line(line_body(line_event("room-text")))
    lead = Lead.objects.get()
    assert lead.group.kind == "room"
    assert lead.group.group_id == "Ra8dbf4673c4c812cd491258042226c99"


def test_join_and_leave_track_group_membership(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("group-join")))
    group = ChatGroup.objects.get(provider="line", group_id=LINE_GROUP)
    assert group.active is True
    post_line(line_body(line_event("group-leave")))
    group.refresh_from_db()
    assert group.active is False and group.left_at is not None


def test_leave_arriving_before_an_older_join_keeps_the_group_inactive(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("group-leave")))
    post_line(line_body(line_event("group-join")))  # timestamp earlier than the leave
    assert ChatGroup.objects.get(group_id=LINE_GROUP).active is False


def test_one_body_with_several_events_stores_each(org, line_api, eager_celery, post_line):
    body = line_body(line_event("group-join"), line_event("group-text-mention"), line_event("group-chatter"))
    response = post_line(body)
    assert response.json() == {"stored": 3, "duplicates": 0}
    assert InboundEvent.objects.count() == 3
    assert Lead.objects.count() == 1


# --- events that cannot be understood -----------------------------------------------------------


def test_unknown_event_type_is_kept_with_a_reason(org, line_api, eager_celery, post_line):
    weird = {
        "type": "somethingNew",
        "mode": "active",
        "timestamp": 1795340011000,
        "webhookEventId": "01KB7Z3XJ5Q0S8W2M4N6P8R0ZZ",
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": LINE_USER},
    }
    assert post_line(line_body(weird)).status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == "failed"
    assert "somethingNew" in event.error
    assert event.payload == weird


def test_standby_events_are_ignored_with_a_reason(org, line_api, eager_celery, post_line):
    post_line(line_body(line_event("user-text", mode="standby")))
    event = InboundEvent.objects.get()
    assert event.status == "ignored" and "Standby" in event.error
    assert Case.objects.count() == 0


# --- broker down -----------------------------------------------------------------------------------


def test_event_stored_while_the_broker_is_down_is_processed_by_the_sweep(org, line_api, broker_down, post_line):
    response = post_line(line_body(line_event("user-text")))
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == "pending"
    assert Case.objects.count() == 0 and line_api.requests == []

    # Redis is back: beat runs the sweep, which processes what was left behind.
    counts = sweep_inbound_events(older_than_seconds=0)
    assert counts == {"processed": 1}
    event.refresh_from_db()
    assert event.status == "processed"
    assert Case.objects.get().channel == "line"
    assert len(replies(line_api)) == 1


def test_samples_all_parse_with_the_sdk_webhook_parser():
    from linebot.v3.webhook import WebhookParser
    from linebot.v3.webhooks import Event

    parser = WebhookParser("test-line-channel-secret")
    for name in ("group-chatter", "group-join", "group-leave", "group-text-mention", "room-text", "user-follow",
                 "user-image", "user-location", "user-text", "user-unsend"):
        body = line_body(*sample("line", name)["events"]).decode()
        [event] = parser.parse(body, line_sign(body.encode()))
        assert isinstance(event, Event) and type(event).__name__ != "UnknownEvent", name
