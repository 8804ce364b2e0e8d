"""A citizen's notices speak the case's language, one language only, on every channel.

A Chinese petition (Case.language "zh") is answered in Chinese; one written in English
("en") in English. The e-mail is the outbox's rendering; LINE and Telegram carry the same
rendered text through their transports (the fake APIs record what was pushed); an SMS has
its own short templates (integrations/sms/messages.py).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from casesys.cases import services
from casesys.notifications import render as renderer
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_deliver
from integrations.sms.messages import compose
from tests.factories import new_case
from tests.integrations.fakes import BOT_USERNAME, TELEGRAM_TOKEN, fake_line_api, fake_telegram_api

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b")

ZH = {"subject": "中山路路燈不亮", "description": "中山路二段巷口路燈已經三天不亮。"}
EN = {"subject": "Street light out", "description": "The light at the corner has been out for days."}
CITIZEN_TEMPLATES = [
    "case_acknowledged", "case_extended", "case_filed", "case_merged", "case_merged_reply", "case_overdue",
    "case_reopened", "case_reply", "case_second_reply", "case_transferred", "survey_invitation",
]


def assert_one_language(text: str, lang: str, *, where: str = "") -> None:
    if lang == "en":
        assert not CJK.search(text), (where, text)
    else:
        assert CJK.search(text) and not ENGLISH_SENTENCE.search(text), (where, text)


def acknowledged(org, lang: str) -> Notification:
    case, _ = new_case(org, language=lang, **(EN if lang == "en" else ZH))
    return Notification.objects.get(case=case, template="case_acknowledged", channel="email")


def resend(row: Notification, channel: str, address: str) -> Notification:
    """The same notice, through another channel (the outbox renders it at sending)."""
    return Notification.objects.create(
        channel=channel, recipient_address=address, template=row.template, context=row.context, case=row.case,
        priority=Notification.Priority.CITIZEN,
    )


@pytest.fixture
def chat_apis(settings):
    line, telegram = fake_line_api(), fake_telegram_api()
    settings.LINE_CHANNEL_SECRET = "test-line-channel-secret"
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-line-access-token"
    settings.LINE_API_HOST = line.url
    settings.LINE_API_DATA_HOST = ""
    settings.TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = "test-telegram-webhook-secret_1"
    settings.TELEGRAM_API_BASE_URL = telegram.url
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME
    yield line, telegram
    line.stop()
    telegram.stop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_email_is_in_the_cases_language_only(org, lang):
    row = acknowledged(org, lang)
    assert row.context["language"] == lang
    assert notification_deliver(notification_id=row.pk) == "sent"
    [message] = mail.outbox
    assert_one_language(message.subject, lang, where="subject")
    assert_one_language(message.body.replace(row.case.number, ""), lang, where="body")
    assert renderer.SEPARATOR not in message.body


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_line_and_telegram_messages_are_in_the_cases_language_only(org, chat_apis, lang):
    line, telegram = chat_apis
    row = acknowledged(org, lang)
    for channel, address in (("line", "U4af4980629f0e2b3c4d5e6f7a8b9c0d1"), ("telegram", "123456789")):
        assert notification_deliver(notification_id=resend(row, channel, address).pk) == "sent"
    [push] = line.calls("POST", "/v2/bot/message/push")
    [sent] = telegram.calls("POST", "/sendMessage")
    for where, text in (("line", push.json()["messages"][0]["text"]), ("telegram", sent.form()["text"])):
        assert row.case.number in text
        assert_one_language(text.replace(row.case.number, ""), lang, where=where)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sms_is_in_the_cases_language_only(org, settings, lang):
    settings.SMS_SENDER_NAME = ""
    row = acknowledged(org, lang)
    text = compose(row.template, row.context)
    assert row.case.number in text
    assert_one_language(text.replace(row.case.number, ""), lang, where="sms")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("template", CITIZEN_TEMPLATES)
def test_every_citizen_notice_renders_one_language(template, lang):
    context = {
        "language": lang, "number": "CS-1151202-00001", "subject": "x", "track_url": "https://example.invalid/s",
        "reason": "x", "agency": "x", "due": "2026-12-10", "reply": "x", "state": "x", "into": "CS-1151202-00002",
    }
    subject, body = renderer.render(template, context)
    assert renderer.SEPARATOR not in body
    assert_one_language(f"{subject}\n{body}", lang, where=template)


def test_a_reply_notice_follows_the_case_language(org):
    case, _ = new_case(org, category=org.pothole, language="en", **EN)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="Repaired on Monday.", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    row = Notification.objects.get(case=case, template="case_reply")
    assert "Repaired on Monday." in row.body and not CJK.search(row.body.replace(case.number, ""))
