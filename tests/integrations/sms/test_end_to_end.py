"""SMS end to end: a phone-only 1999 caller hears about their case by SMS, through the real
outbox delivery, the Mitake client, a fake gateway on loopback, and the gateway's callbacks
into a live server.

Done when (issue 15): the acknowledgement, the reply notice and the survey link arrive by
SMS; a failed one is visible on the case page and becomes a call-or-write task.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import time_machine
from django.test import Client

from casesys.cases import services
from casesys.cases.models import ContactAddress
from casesys.inbound.models import InboundEvent
from casesys.notifications.models import ContactTask, Notification
from casesys.notifications.services import notification_deliver
from tests.factories import new_case
from tests.integrations.sms.conftest import CALLBACK_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)  # a Tuesday morning in Taipei
MOBILE = "0912345678"
CALLER = {"name": "張阿伯", "phone": "0912-345-678"}


@pytest.fixture
def sms(mitake, live_server, settings, eager_celery):
    """SMS on; the gateway calls back into a live server; callbacks are processed at once."""
    settings.CASESYS_NOTIFICATIONS = {
        **settings.CASESYS_NOTIFICATIONS,
        "PUBLIC_BASE_URL": live_server.url,
        "KICK": False,  # the tests deliver through the outbox service themselves
    }
    with time_machine.travel(T0, tick=True):
        yield mitake


def _row(case, template) -> Notification:
    return Notification.objects.get(case=case, template=template, recipient_user__isnull=True)


def _deliver(case, template, *, now=None) -> tuple[Notification, str]:
    row = _row(case, template)
    outcome = notification_deliver(notification_id=row.pk, now=now)
    row.refresh_from_db()
    return row, outcome


def _phone_case(org):
    case, _password = new_case(org, channel="phone", petitioner=CALLER, category=org.lights)
    return case


def _close(org, case, reply: str):
    services.case_accept(case=case, by=org.officer_light)
    services.case_submit_reply(case=case, reply=reply, by=org.officer_light)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    return case


def _extend(org, case):
    services.case_accept(case=case, by=org.officer_light)
    services.case_request_extension(
        case=case, days=2, reason="需協調台電施工", status_text="已排定施工日期", by=org.officer_light
    )
    case.refresh_from_db()
    services.case_decide_extension(case=case, approve=True, by=org.supervisor)


def _case_page(org, case) -> str:
    client = Client()
    client.force_login(org.admin)
    return client.get(f"/desk/cases/{case.number}/").content.decode()


def test_phone_only_caller_gets_acknowledgement_reply_notice_and_survey_by_sms(org, sms, live_server):
    case = _phone_case(org)
    assert ContactAddress.objects.filter(petitioner=case.petitioner, channel="sms", address=MOBILE).exists()

    ack, outcome = _deliver(case, "case_acknowledged")
    assert outcome == "sent" and ack.channel == "sms"
    [message] = sms.by_number(MOBILE)
    assert message.smbody.startswith("【臺北市政府】已受理您的陳情") and case.number in message.smbody
    assert message.clientid == str(ack.key) and ack.external_id == message.msgid
    assert message.response == f"{live_server.url}/integrations/sms/token={CALLBACK_SECRET}/status/"

    # The carrier confirms delivery; Mitake gets its acknowledgement back.
    answer = sms.report(message.msgid, "4")
    assert answer.status_code == 200 and answer.text == f"magicid=sms_gateway_rpack\nmsgid={message.msgid}\n"
    ack.refresh_from_db()
    assert ack.confirmed_at is not None and ack.status == "sent"

    _close(org, case, reply="經查該路燈已於3月5日修復完成，感謝您的反映。")
    reply, outcome = _deliver(case, "case_reply")
    assert outcome == "sent" and reply.channel == "sms"
    survey, outcome = _deliver(case, "survey_invitation")
    assert outcome == "sent" and survey.channel == "sms"

    texts = [m.smbody for m in sms.by_number(MOBILE)]
    assert len(texts) == 3
    assert "已有答復" in texts[1] and f"/status/{case.number}/open/?token=" in texts[1]
    assert "修復完成" not in texts[1]  # never the reply itself
    assert "滿意度問卷" in texts[2] and f"/status/{case.number}/survey/open/?token=" in texts[2]
    assert not ContactTask.objects.filter(case=case).exists()


def test_gateway_error_code_fails_the_notice_on_the_case_page_and_makes_a_call_task(org, sms):
    case = _phone_case(org)
    _deliver(case, "case_acknowledged")
    sms.script.append("v")  # 無效的手機號碼
    _extend(org, case)
    row, outcome = _deliver(case, "case_extended")
    assert outcome == "failed" and "statuscode=v" in row.last_error

    task = ContactTask.objects.get(case=case, template="case_extended")
    assert task.suggested_method == "call"
    page = _case_page(org, case)
    assert f"failed-notice-{row.pk}" in page and "statuscode=v" in page
    assert f"contact-task-{task.pk}" in page


def test_undeliverable_delivery_report_fails_the_notice_and_makes_a_call_task(org, sms):
    case = _phone_case(org)
    _deliver(case, "case_acknowledged")
    _close(org, case, reply="已修復。")
    reply, outcome = _deliver(case, "case_reply")
    assert outcome == "sent"

    for _ in range(2):  # Mitake repeats a report it thinks was not received: processed once
        assert sms.report(reply.external_id, "8").status_code == 200
    reply.refresh_from_db()
    assert reply.status == "failed" and "逾時無送達" in reply.last_error
    assert ContactTask.objects.filter(case=case, template="case_reply").count() == 1
    page = _case_page(org, case)
    assert f"failed-notice-{reply.pk}" in page and "逾時無送達" in page


def test_citizen_replying_cancel_gets_no_more_sms_but_a_call(org, sms, live_server):
    case = _phone_case(org)
    _deliver(case, "case_acknowledged")
    answer = httpx.get(
        f"{live_server.url}/integrations/sms/token={CALLBACK_SECRET}/reply/",
        params={"msgid": "MO0001", "srcaddr": "+886912345678", "dstaddr": "0911000999", "smbody": " 取消 "},
    )
    assert answer.status_code == 200
    assert ContactAddress.objects.get(petitioner=case.petitioner, channel="sms").opted_out

    _extend(org, case)
    assert not Notification.objects.filter(case=case, template="case_extended").exists()
    assert ContactTask.objects.filter(case=case, template="case_extended").exists()
    assert len(sms.by_number(MOBILE)) == 1
    # Nothing of the reply is kept: no number, no text.
    event = InboundEvent.objects.get(provider="sms", event_type="reply")
    assert event.status == "processed" and MOBILE not in str(event.payload) and "取消" not in str(event.payload)


def test_per_number_limit_turns_the_next_notice_into_a_call_task(org, sms, settings):
    settings.SMS_PER_NUMBER_PER_DAY = 1
    case = _phone_case(org)
    assert _deliver(case, "case_acknowledged")[1] == "sent"
    _extend(org, case)
    row, outcome = _deliver(case, "case_extended")
    assert outcome == "failed" and "今日已收 1 則簡訊" in row.last_error
    assert ContactTask.objects.filter(case=case, template="case_extended").exists()
    assert len(sms.sent) == 1


def test_agency_daily_cap_stops_sending(org, sms, settings):
    settings.SMS_DAILY_CAP = 1
    first = _phone_case(org)
    second, _ = new_case(org, channel="phone", petitioner={"name": "李小姐", "phone": "0987654321"}, category=org.lights)
    assert _deliver(first, "case_acknowledged")[1] == "sent"
    row, outcome = _deliver(second, "case_acknowledged")
    assert outcome == "failed" and "每日簡訊上限" in row.last_error
    assert len(sms.sent) == 1
    # The next day the cap starts again.
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=True):
        _extend(org, second)
        assert _deliver(second, "case_extended")[1] == "sent"


def test_a_send_retried_after_a_gateway_timeout_reuses_the_clientid_and_is_not_sent_twice(org, sms, settings):
    settings.MITAKE_TIMEOUT_SECONDS = 1
    case = _phone_case(org)
    sms.delay_script.append(2.0)  # accepted, but the answer comes too late
    row, outcome = _deliver(case, "case_acknowledged")
    assert outcome == "retry" and row.status == "pending"

    row, outcome = _deliver(case, "case_acknowledged", now=row.next_attempt_at + dt.timedelta(seconds=1))
    assert outcome == "sent"
    sends = [r for r in sms.requests if r.path == "/api/mtk/SmSend"]
    assert len(sends) == 2 and sends[0].form["clientid"] == sends[1].form["clientid"] == str(row.key)
    assert len(sms.sent) == 1 and row.external_id == sms.sent[0].msgid


def test_without_an_sms_contract_the_officer_calls_instead(org, sms, settings):
    settings.MITAKE_USERNAME = ""
    case = _phone_case(org)
    _extend(org, case)
    assert not Notification.objects.filter(case=case, channel="sms").exists()
    assert ContactTask.objects.filter(case=case, template="case_extended").exists()
    assert not sms.requests


def test_sms_whose_credentials_were_removed_after_queueing_fails_visibly(org, sms, settings):
    case = _phone_case(org)
    _extend(org, case)
    settings.MITAKE_USERNAME = ""
    row, outcome = _deliver(case, "case_extended")
    assert outcome == "failed" and "未設定" in row.last_error
    assert ContactTask.objects.filter(case=case, template="case_extended").exists()
    assert f"failed-notice-{row.pk}" in _case_page(org, case)
    assert not sms.requests
