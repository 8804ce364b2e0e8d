"""Facebook page webhook: handshake, signatures, storage and dedupe, posts/comments → leads
through the connectors' common pipeline (store → coalesced drain → handler, sweep for leftovers)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from casesys.inbound.models import InboundEvent, KeywordRule, Lead
from integrations.common import webhook as common_webhook
from integrations.common.processing import drain_pending_events
from integrations.common.tasks import sweep_inbound_events

URL = "/integrations/facebook/webhook/"
SECRET = "fb-app-secret-for-tests"
PAGE = "1000001"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture(autouse=True)
def _facebook_on(settings):
    settings.FACEBOOK_VERIFY_TOKEN = "verify-me"
    settings.FACEBOOK_APP_SECRET = SECRET


@pytest.fixture
def rules(org):
    return KeywordRule.objects.create(phrase="路燈", category=org.lights, department=org.light)


def change(item="comment", verb="add", message="巷口的路灯坏了好几天", sender=("2000002", "路人甲"), **extra):
    value = {
        "item": item,
        "verb": verb,
        "post_id": f"{PAGE}_3000003",
        "message": message,
        "from": {"id": sender[0], "name": sender[1]},
        "created_time": 1762144800,
        **extra,
    }
    if item == "comment":
        value.setdefault("comment_id", "3000003_4000004")
    return {"field": "feed", "value": value}


def payload(*changes):
    return {"object": "page", "entry": [{"id": PAGE, "time": 1762144801, "changes": list(changes)}]}


def post(client, body: dict | bytes, signature: str | None = "auto"):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {}
    if signature == "auto":
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(raw, SECRET)
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(URL, data=raw, content_type="application/json", **headers)


# --- handshake --------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_for_the_right_token(client):
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
    assert response.status_code == 200 and response.content == b"1158201444"


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
    {"hub.challenge": "1"},
])
def test_handshake_with_wrong_token_or_mode_is_refused(client, params):
    response = client.get(URL, params)
    assert response.status_code == 403 and b"1" not in response.content.replace(b"Verification", b"")


def test_connector_without_settings_is_switched_off(client, settings, db):
    settings.FACEBOOK_VERIFY_TOKEN = ""
    settings.FACEBOOK_APP_SECRET = ""
    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code == 404
    assert post(client, payload(change())).status_code == 404


# --- signatures and storage --------------------------------------------------------------


def test_signed_post_is_stored_once_even_when_delivered_twice(client, db):
    body = payload(change(), change(item="status", message="今天天氣很好", sender=("2000009", "路人乙")))

    first = post(client, body)
    second = post(client, body)

    assert first.status_code == 200 and first.json() == {"stored": 2, "duplicates": 0}
    assert second.status_code == 200 and second.json() == {"stored": 0, "duplicates": 2}
    events = InboundEvent.objects.filter(provider="facebook")
    assert events.count() == 2
    assert set(events.values_list("event_type", flat=True)) == {"feed.comment.add", "feed.status.add"}
    assert all(e.status == "pending" for e in events)


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_post_with_missing_or_wrong_signature_is_refused_and_not_stored(client, db, signature):
    response = post(client, payload(change()), signature=signature)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_signature_is_checked_on_the_raw_body(client, db):
    raw = json.dumps(payload(change()), ensure_ascii=False).encode()
    tampered = raw.replace("路灯".encode(), "路燈".encode())
    assert post(client, tampered, signature=sign(raw, SECRET)).status_code == 403


def test_signed_but_malformed_json_is_a_400(client, db):
    assert post(client, b"{not json").status_code == 400
    assert not InboundEvent.objects.exists()


def test_stored_changes_wake_one_drain_after_commit(client, db, monkeypatch, django_capture_on_commit_callbacks):
    woken: list[tuple] = []
    monkeypatch.setattr(common_webhook, "publish_coalesced", lambda task, *, key, args: woken.append((task.name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload(change(), change(item="status", message="路燈", sender=("2000009", "路人乙"))))
        post(client, payload(change()))  # a redelivery stores nothing, wakes nothing

    assert woken == [("integrations.common.tasks.drain_inbound_events", ("facebook",))]


def test_a_woken_drain_turns_the_stored_change_into_a_lead(client, rules, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, payload(change())).status_code == 200

    assert InboundEvent.objects.get().status == "processed"
    assert Lead.objects.get().source == "facebook"


def test_change_stored_while_the_broker_is_down_is_processed_by_the_sweep(
    client, rules, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, payload(change()))

    assert response.status_code == 200
    assert InboundEvent.objects.get().status == "pending" and not Lead.objects.exists()
    # The broker is back: beat runs the connectors' sweep, which now covers Facebook too.
    assert sweep_inbound_events(older_than_seconds=0) == {"processed": 1}
    assert Lead.objects.count() == 1


# --- processing into leads -------------------------------------------------------------------


def _process_all():
    return drain_pending_events("facebook")


def test_comment_matching_a_keyword_in_simplified_chinese_becomes_a_lead(client, rules):
    post(client, payload(change(permalink_url="https://www.facebook.com/demo/posts/3000003?comment_id=4000004")))

    _process_all()

    lead = Lead.objects.get()
    assert lead.source == "facebook" and lead.external_id == "comment:3000003_4000004"
    assert lead.text == "巷口的路灯坏了好几天"
    assert lead.matched_rule == rules and lead.suggested_category == rules.category
    assert lead.suggested_department == rules.department
    assert lead.sender_name == "路人甲"
    assert lead.url == "https://www.facebook.com/demo/posts/3000003?comment_id=4000004"
    assert InboundEvent.objects.get().status == "processed"


def test_traditional_chinese_post_matches_too(client, rules):
    post(client, payload(change(item="status", message="市府前面的路燈不亮")))
    _process_all()
    lead = Lead.objects.get()
    assert lead.external_id == f"status:{PAGE}_3000003"
    assert lead.url == f"https://www.facebook.com/{PAGE}_3000003"


def test_posts_without_keyword_the_pages_own_posts_and_removals_are_ignored(client, rules):
    post(
        client,
        payload(
            change(message="謝謝市府"),
            change(item="status", message="本府路燈維修公告", sender=(PAGE, "示範市政府")),
            change(verb="remove", message="", comment_id="3000003_4000009"),
            {"field": "ratings", "value": {"item": "rating"}},
        ),
    )
    _process_all()
    assert not Lead.objects.exists()
    reasons = set(InboundEvent.objects.values_list("status", flat=True))
    assert reasons == {"ignored"}


def test_processing_twice_and_edits_make_one_lead(client, rules):
    post(client, payload(change()))
    post(client, payload(change(verb="edited", message="巷口的路灯坏了好几天，还没修")))
    _process_all()
    _process_all()
    assert Lead.objects.count() == 1
    assert InboundEvent.objects.filter(status="processed").count() == 2


def test_sweep_processes_events_whose_task_was_lost(client, rules):
    post(client, payload(change()))
    InboundEvent.objects.update(received_at=InboundEvent.objects.get().received_at.replace(year=2024))

    assert sweep_inbound_events() == {"processed": 1}
    assert Lead.objects.count() == 1
    assert InboundEvent.objects.get().status == "processed"


def test_an_unreadable_stored_change_is_failed_with_the_reason(db):
    event = InboundEvent.objects.create(provider="facebook", external_id="x", payload={"page_id": PAGE})

    _process_all()

    event.refresh_from_db()
    assert event.status == "failed" and "Unreadable" in event.error
