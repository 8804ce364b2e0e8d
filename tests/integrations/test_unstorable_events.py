"""A signed batch with one event the database cannot store: the others are stored and
processed, the bad one is kept (sanitised) as failed with its reason, and the platform gets
its 200 so it does not redeliver the batch forever."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

import pytest

from casesys.cases.models import Case
from casesys.inbound.models import ChatGroup, InboundEvent
from tests.integrations.conftest import LINE_USER, line_event, line_sign, sample

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_USER = "U0000000000000000000000000000beef"
MARK = "__RAW__"


def raw_body(events: list[dict], raw: str = "") -> bytes:
    """ASCII JSON (lone surrogates escaped as \\ud800, NaN as NaN); MARK in a value → `raw` literally."""
    text = json.dumps({"destination": "U0123456789abcdef0123456789abcdef", "events": events})
    return text.replace(f'"{MARK}"', raw).encode("ascii")


def bad_event(**changes) -> dict:
    event = line_event("user-text", webhookEventId="01KB7Z3XJ5Q0S8W2M4N6P8RBAD")
    event["source"]["userId"] = OTHER_USER
    for key, value in changes.items():
        if key == "text":
            event["message"]["text"] = value
        else:
            event[key] = value
    return event


# (name, bad event, literal replacing MARK, what the reason says)
BAD = [
    ("nul in text", bad_event(text="路燈\u0000壞了"), "", "NUL"),
    ("lone surrogate", bad_event(text="路燈\ud800壞了"), "", "surrogate"),
    ("nan", bad_event(timestamp=MARK), "NaN", "out of range"),
    ("absurd float", bad_event(timestamp=MARK), "1e400", "out of range"),
    ("400-digit integer", bad_event(timestamp=MARK), "9" * 400, "out of range"),
    ("5000-digit integer", bad_event(timestamp=MARK), "9" * 5000, "out of range"),
    ("over-long id", bad_event(webhookEventId="E" * 300), "", "too long"),
    ("nul in a key", bad_event(extra={"a\u0000b": 1}), "", "NUL"),
    ("nested too deeply", bad_event(extra=MARK), "[" * 200 + "]" * 200, "nested too deeply"),
]


@pytest.mark.parametrize("name,bad,raw,reason", BAD, ids=[b[0] for b in BAD])
def test_line_batch_with_one_unstorable_event_keeps_the_others(
    org, line_api, eager_celery, post_line, name, bad, raw, reason
):
    good = line_event("user-text")
    join = line_event("group-join")
    body = raw_body([good, copy.deepcopy(bad), join], raw)

    response = post_line(body, signature=line_sign(body))

    assert response.status_code == 200, response.content
    assert response.json() == {"stored": 3, "duplicates": 0}
    # The good events were processed: the citizen's case was opened and answered, the group joined.
    case = Case.objects.get()
    assert case.channel == "line" and case.petitioner.contacts.get().address == LINE_USER
    assert any(case.number in m["text"] for r in line_api.calls("POST", "/v2/bot/message/reply") for m in r.json()["messages"])
    assert ChatGroup.objects.filter(active=True).count() == 1
    # The bad one is kept for an administrator, failed with a reason that carries no content.
    failed = InboundEvent.objects.get(status="failed")
    assert reason in failed.error
    assert "路燈" not in failed.error
    stored = json.dumps(failed.payload, ensure_ascii=False)
    assert "\u0000" not in stored and "NaN" not in stored.replace('"NaN"', "")
    assert InboundEvent.objects.filter(status="processed").count() == 2

    # LINE redelivers the same batch: nothing new, still 200.
    again = post_line(body, signature=line_sign(body))
    assert again.status_code == 200 and again.json() == {"stored": 0, "duplicates": 3}


def test_line_event_with_a_field_of_the_wrong_type_fails_alone(org, line_api, eager_celery, post_line):
    wrong = bad_event(deliveryContext="yes", source="user")
    body = raw_body([line_event("user-text"), wrong])

    response = post_line(body, signature=line_sign(body))

    assert response.status_code == 200, response.content
    assert Case.objects.get().petitioner.contacts.get().address == LINE_USER
    failed = InboundEvent.objects.get(status="failed")
    assert failed.payload["source"] == "user"
    assert OTHER_USER not in failed.error


def test_deeply_nested_line_body_is_400(org, line_api, eager_celery, post_line):
    body = ("[" * 100_000 + "]" * 100_000).encode()
    response = post_line(body, signature=line_sign(body))
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


# --- Telegram --------------------------------------------------------------------------------


def telegram_raw(update: dict, raw: str = "") -> bytes:
    return json.dumps(update).replace(f'"{MARK}"', raw).encode("ascii")


@pytest.mark.parametrize(
    "change,raw,reason",
    [
        ({"text": "垃圾\u0000桶"}, "", "NUL"),
        ({"text": "垃圾\udfff桶"}, "", "surrogate"),
        ({"date": MARK}, "NaN", "out of range"),
        ({"date": MARK}, "1e400", "out of range"),
    ],
    ids=["nul", "surrogate", "nan", "absurd float"],
)
def test_telegram_update_with_unstorable_values_is_kept_as_failed_with_200(
    org, telegram_api, eager_celery, post_telegram, change, raw, reason
):
    update = copy.deepcopy(sample("telegram", "private-text"))
    update["message"].update(change)

    response = post_telegram(telegram_raw(update, raw))

    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert event.status == "failed" and reason in event.error
    assert "垃圾" not in event.error
    assert Case.objects.count() == 0
    # Telegram's next update still goes through.
    good = copy.deepcopy(sample("telegram", "private-text"))
    good["update_id"] += 1
    assert post_telegram(good).status_code == 200
    assert Case.objects.get().channel == "telegram"


def test_telegram_update_with_an_absurd_update_id_is_kept_as_failed_with_200(
    org, telegram_api, eager_celery, post_telegram
):
    update = copy.deepcopy(sample("telegram", "private-text"))
    update["update_id"] = MARK
    response = post_telegram(telegram_raw(update, "7" * 400))
    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert event.status == "failed" and "out of range" in event.error
    assert len(event.external_id) <= 200


def test_deeply_nested_telegram_body_is_400(org, telegram_api, eager_celery, post_telegram):
    assert post_telegram(b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}").status_code == 400
    assert InboundEvent.objects.count() == 0


# --- Facebook --------------------------------------------------------------------------------


def test_facebook_change_with_a_nul_is_kept_as_failed_and_the_other_change_stored(settings, org, client):
    settings.FACEBOOK_APP_SECRET = "fb-secret"
    settings.FACEBOOK_VERIFY_TOKEN = "fb-verify"

    def change(post_id: str, message: str) -> dict:
        return {"field": "feed", "value": {"item": "post", "verb": "add", "post_id": post_id, "message": message,
                                           "from": {"id": "1", "name": "市民"}, "created_time": 1795340000}}

    payload = {"object": "page", "entry": [{"id": "PAGE", "time": 1795340000, "changes": [
        change("PAGE_1", "水溝\u0000堵塞"), change("PAGE_2", "\ud800"), change("PAGE_3", "公園路燈壞了"),
    ]}]}
    body = json.dumps(payload).encode("ascii")
    signature = "sha256=" + hmac.new(b"fb-secret", body, hashlib.sha256).hexdigest()

    response = client.post(
        "/integrations/facebook/webhook/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )

    assert response.status_code == 200, response.content
    assert InboundEvent.objects.filter(provider="facebook").count() == 3
    assert InboundEvent.objects.filter(provider="facebook", status="failed").count() == 2
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    signature = "sha256=" + hmac.new(b"fb-secret", deep, hashlib.sha256).hexdigest()
    response = client.post(
        "/integrations/facebook/webhook/", data=deep, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )
    assert response.status_code == 400


# --- file names chosen by the sender ---------------------------------------------------------


@pytest.mark.parametrize("file_name", ["\U0001f4f7" * 70 + ".jpg", "a." + "j" * 120], ids=["emoji", "long extension"])
def test_line_file_with_an_over_long_name_is_attached_under_a_safe_name(
    org, line_api, eager_celery, post_line, file_name
):
    from casesys.cases.models import Attachment

    post_line(raw_body([line_event("user-text")]))
    file_event = line_event("user-image", webhookEventId="01KB7Z3XJ5Q0S8W2M4N6P8RFIL")
    file_event["message"] = {"id": "468789577898262599", "type": "file", "fileName": file_name, "fileSize": 12}
    body = raw_body([file_event])
    assert post_line(body, signature=line_sign(body)).status_code == 200

    attachment = Attachment.objects.get()
    assert attachment.original_name == file_name[:200]
    assert len(attachment.file.name) <= 100 and attachment.file.read()
    assert InboundEvent.objects.filter(status="processed").count() == 2
