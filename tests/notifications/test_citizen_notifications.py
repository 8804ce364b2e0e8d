from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from casesys.cases.models import Case
from casesys.cases.services import (
    case_accept,
    case_approve,
    case_decide_extension,
    case_request_extension,
    case_submit_reply,
    case_transfer,
)
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_deliver
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def _citizen_rows(case, template):
    return Notification.objects.filter(case=case, template=template, recipient_user__isnull=True)


def test_acknowledgement_carries_number_and_password_and_forgets_the_password_once_sent(org):
    case, password = new_case(org)

    row = _citizen_rows(case, "case_acknowledged").get()
    assert (row.channel, row.recipient_address, row.status) == (
        "email",
        "citizen@example.invalid",
        "pending",
    )
    assert password not in row.body  # the preview stored at enqueue is masked

    assert notification_deliver(notification_id=row.pk) == "sent"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert case.number in message.subject and case.number in message.body
    assert (
        password in message.body and "查詢密碼" in message.body and "Case password" not in message.body
    )
    assert message.extra_headers["X-Idempotency-Key"] == str(row.key)
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at
    assert "password" not in row.context
    assert password not in row.body and "********" in row.body


def test_citizen_from_line_is_answered_on_line_and_telegram_on_telegram(org):
    line_case, _ = new_case(
        org,
        channel="line",
        petitioner={"name": "林小姐", "contacts": [{"channel": "line", "address": "U" + "a" * 32}]},
    )
    tg_case, _ = new_case(
        org,
        channel="telegram",
        petitioner={"name": "陳先生", "contacts": [{"channel": "telegram", "address": "123456"}]},
    )
    web_case, _ = new_case(
        org,
        channel="web",
        petitioner={
            "name": "王先生",
            "contacts": [{"channel": "line", "address": "Ubbb"}],
            "email": "w@example.invalid",
        },
    )

    assert _citizen_rows(line_case, "case_acknowledged").get().channel == "line"
    assert _citizen_rows(line_case, "case_acknowledged").get().recipient_address == "U" + "a" * 32
    assert _citizen_rows(tg_case, "case_acknowledged").get().channel == "telegram"
    assert _citizen_rows(web_case, "case_acknowledged").get().channel == "email"


def test_without_any_contact_nothing_is_sent_and_the_reason_is_recorded(org):
    case, _ = new_case(org, petitioner=None)

    row = _citizen_rows(case, "case_acknowledged").get()
    assert row.status == "failed"
    assert "Anonymous petitioner" in row.last_error
    assert not row.context.get("password")


def test_transfer_extension_and_closure_notify_the_citizen(org):
    transferred, _ = new_case(org)
    case_transfer(case=transferred, agency="交通部公路局", reason="非本府權責", by=org.intake)
    body = _citizen_rows(transferred, "case_transferred").get().body
    assert "交通部公路局" in body and "非本府權責" in body

    case, _ = new_case(org, category=org.lights)
    case_accept(case=case, by=org.officer_light)
    case_request_extension(
        case=case,
        days=2,
        reason="需協調台電施工",
        status_text="已聯繫台電排定施工",
        by=org.officer_light,
    )
    case.refresh_from_db()
    case_decide_extension(case=case, approve=True, by=org.supervisor)
    case.refresh_from_db()
    extension = _citizen_rows(case, "case_extended").get().body
    assert "需協調台電施工" in extension and "已聯繫台電排定施工" in extension
    assert f"{timezone.localtime(case.due_at):%Y-%m-%d}" in extension

    case_submit_reply(case=case, reply="路燈已於今日修復，謝謝您的通報。", by=org.officer_light)
    case_approve(case=case, by=org.supervisor)
    assert "路燈已於今日修復" in _citizen_rows(case, "case_reply").get().body
    survey = _citizen_rows(case, "survey_invitation").get().body
    assert f"/status/{case.number}/" in survey and "滿意度" in survey


def test_survey_exempt_categories_get_no_survey(org):
    org.lights.survey_exempt = True
    org.lights.save()
    case, _ = new_case(org, category=org.lights)
    case_accept(case=case, by=org.officer_light)
    case_submit_reply(case=case, reply="已修復。", by=org.officer_light)
    case_approve(case=case, by=org.supervisor)

    assert _citizen_rows(case, "case_reply").exists()
    assert not _citizen_rows(case, "survey_invitation").exists()


def test_english_petition_gets_english_only(org):
    case, _ = new_case(
        org, language="en", subject="Broken street light", description="It has been dark for days."
    )
    row = _citizen_rows(case, "case_acknowledged").get()
    assert "Case number" in row.body and "案號" not in row.body and "受理" not in row.subject


def test_notification_rolls_back_with_the_transition(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        new_case(org)
        raise RuntimeError("boom")
    assert not Case.objects.exists()
    assert not Notification.objects.exists()
