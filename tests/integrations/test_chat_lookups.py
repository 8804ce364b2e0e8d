"""The chat status command (`查詢 <案號> <密碼>`, `/status <no> <pw>`): limited like /status/, and
the password never stays in the stored event."""

from __future__ import annotations

import pytest

from casesys.cases.models import Case
from casesys.inbound.models import InboundEvent
from tests.factories import new_case
from tests.integrations.conftest import line_body, line_event
from tests.integrations.telegram.test_views import sent, update

pytestmark = pytest.mark.django_db(transaction=True)

PAUSED = "查詢失敗次數過多，查詢已暫停"


@pytest.fixture
def three_failures(settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3, "TRACK_FAILURE_WINDOW_SECONDS": 900}


def line_reply_texts(line_api) -> list[str]:
    return [m["text"] for r in line_api.calls("POST", "/v2/bot/message/reply") for m in r.json()["messages"]]


def line_query(post_line, n: int, text: str, *, user: str | None = None) -> InboundEvent:
    event = line_event("user-text", webhookEventId=f"01KB7Z3XJ5Q0S8W2M4N6P8L{n:03d}", message_id=f"77{n:04d}", text=text)
    if user:
        event["source"]["userId"] = user
    post_line(line_body(event))
    return InboundEvent.objects.get(external_id=event["webhookEventId"])


def test_line_lookup_with_the_password_answers_and_keeps_no_password(org, line_api, eager_celery, post_line):
    case, password = new_case(org)
    event = line_query(post_line, 1, f"查詢 {case.number} {password}")
    assert f"案號：{case.number}" in line_reply_texts(line_api)[-1]
    assert event.status == "processed"
    assert event.payload["message"]["text"] == f"查詢 {case.number} ***"
    assert password not in str(event.payload)


def test_line_wrong_passwords_pause_lookups_and_say_for_how_long(org, line_api, eager_celery, post_line, three_failures):
    case, password = new_case(org)
    for n in range(3):
        event = line_query(post_line, n, f"查詢 {case.number} wrong{n}pw")
        assert line_reply_texts(line_api)[-1].startswith(f"找不到案件 {case.number}")
        assert event.payload["message"]["text"] == f"查詢 {case.number} ***"
    # Now even the right password is refused until the window is over.
    event = line_query(post_line, 3, f"查詢 {case.number} {password}")
    answer = line_reply_texts(line_api)[-1]
    assert answer.startswith(PAUSED) and "15 分鐘" in answer and "paused for 15 minutes" in answer
    assert case.subject not in answer
    assert password not in str(event.payload)


def test_failures_at_one_case_from_many_line_accounts_pause_that_case(org, line_api, eager_celery, post_line, three_failures):
    case, password = new_case(org)
    other, other_password = new_case(org)
    for n in range(3):
        line_query(post_line, n, f"查詢 {case.number} guess{n}", user=f"U{n:032d}")
    line_query(post_line, 10, f"查詢 {case.number} {password}", user="U" + "f" * 32)
    assert line_reply_texts(line_api)[-1].startswith(PAUSED)
    # The same fresh account may still look up another case with its password.
    line_query(post_line, 11, f"查詢 {other.number} {other_password}", user="U" + "f" * 32)
    assert f"案號：{other.number}" in line_reply_texts(line_api)[-1]


def test_a_paused_line_user_still_sees_their_own_chat_case(org, line_api, eager_celery, post_line, three_failures):
    post_line(line_body(line_event("user-text")))
    own = Case.objects.get()
    stranger, _ = new_case(org)
    for n in range(3):
        line_query(post_line, n, f"查詢 {stranger.number} guess{n}")
    line_query(post_line, 5, f"查詢 {own.number}")
    assert f"案號：{own.number}" in line_reply_texts(line_api)[-1]


def test_telegram_status_with_password_is_answered_and_redacted(org, telegram_api, eager_celery, post_telegram):
    case, password = new_case(org)
    post_telegram(update("private-command-status", text=f"/status {case.number} {password}"))
    assert f"案號：{case.number}" in sent(telegram_api)[-1]["text"]
    event = InboundEvent.objects.get()
    assert event.payload["message"]["text"] == f"/status {case.number} ***"
    assert password not in str(event.payload)


def test_telegram_wrong_passwords_pause_lookups(org, telegram_api, eager_celery, post_telegram, three_failures):
    case, password = new_case(org)
    for n in range(3):
        post_telegram(update("private-command-status", update_id=910000000 + n, message_id=60 + n, text=f"/status {case.number} bad{n}"))
    post_telegram(update("private-command-status", update_id=910000009, message_id=69, text=f"/status {case.number} {password}"))
    answer = sent(telegram_api)[-1]["text"]
    assert answer.startswith(PAUSED) and "15 分鐘" in answer
    assert all(password not in str(e.payload) and "bad" not in str(e.payload) for e in InboundEvent.objects.all())
