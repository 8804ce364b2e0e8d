"""The SMS texts a citizen reads: short, Chinese first, never the reply itself."""

from __future__ import annotations

import pytest

from integrations.sms.messages import compose, segments

CONTEXT = {
    "number": "CS-1150303-00001",
    "subject": "中山路路燈不亮",
    "track_url": "https://1999.example.gov.tw/status/?number=CS-1150303-00001",
    "due": "2026-03-06 17:30",
}


@pytest.fixture(autouse=True)
def sms_settings(settings):
    settings.SMS_SENDER_NAME = "【臺北市政府】"
    settings.SMS_INCLUDE_PASSWORD = False
    settings.SMS_MAX_SEGMENTS = 2


def test_acknowledgement_gives_the_number_in_one_segment_without_the_password():
    text = compose("case_acknowledged", {**CONTEXT, "password": "K7P2QX"})
    assert text.startswith("【臺北市政府】已受理您的陳情") and "CS-1150303-00001" in text
    assert "K7P2QX" not in text and "密碼" not in text
    assert segments(text) == 1


def test_acknowledgement_carries_the_password_only_when_the_agency_enables_it(settings):
    settings.SMS_INCLUDE_PASSWORD = True
    text = compose("case_acknowledged", {**CONTEXT, "password": "K7P2QX"})
    assert "查詢密碼K7P2QX" in text and segments(text) == 1


def test_reply_notice_links_to_the_status_page_and_never_quotes_the_reply():
    text = compose("case_reply", {**CONTEXT, "reply": "經查該路燈已於3月5日修復完成。"})
    assert "已有答復" in text and CONTEXT["track_url"] in text
    assert "修復" not in text


def test_survey_invitation_carries_the_survey_link():
    url = "https://1999.example.gov.tw/status/CS-1150303-00001/"
    text = compose("survey_invitation", {**CONTEXT, "survey_url": url, "survey_until": "2026-03-13 17:30"})
    assert "滿意度問卷" in text and url in text


def test_english_petitioner_gets_english_text():
    text = compose("case_reply", {**CONTEXT, "language": "en"})
    assert "reply to case CS-1150303-00001 is ready" in text


def test_too_long_a_text_becomes_a_short_notice_with_the_link(settings):
    settings.SMS_MAX_SEGMENTS = 1
    agency = "臺北市政府工務局新建工程處第二工務隊" * 3
    text = compose("case_transferred", {**CONTEXT, "agency": agency})
    assert agency not in text
    assert text == f"【臺北市政府】您的陳情案CS-1150303-00001有新的通知，請至{CONTEXT['track_url']}查看。"


def test_a_notice_without_an_sms_template_gets_the_short_notice():
    assert "有新的通知" in compose("case_reopened", CONTEXT)


@pytest.mark.parametrize(
    ("text", "count"),
    [("a" * 160, 1), ("a" * 161, 2), ("中" * 70, 1), ("中" * 71, 2), ("中" * 134, 2), ("中" * 135, 3)],
)
def test_segments_follow_the_gsm_and_ucs2_limits(text, count):
    assert segments(text) == count
