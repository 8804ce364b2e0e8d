"""The gateway's callback URLs: only with the secret, stored once, answered as Mitake expects."""

from __future__ import annotations

import pytest

from casesys.inbound.models import InboundEvent
from tests.integrations.sms.conftest import CALLBACK_SECRET

pytestmark = pytest.mark.django_db

STATUS = f"/integrations/sms/token={CALLBACK_SECRET}/status/"
REPORT = {"msgid": "1000000001", "dstaddr": "0912345678", "statuscode": "4", "StatusFlag": "4", "statusstr": "DELIVRD"}


def test_a_report_is_stored_once_without_the_number_and_acknowledged(client, mitake):
    for _ in range(2):
        resp = client.get(STATUS, REPORT)
        assert resp.status_code == 200
        assert resp.content.decode() == "magicid=sms_gateway_rpack\nmsgid=1000000001\n"
    event = InboundEvent.objects.get(provider="sms")
    assert event.event_type == "status" and event.payload["delivered"] is True
    assert "0912345678" not in str(event.payload)


def test_interim_status_is_stored_as_not_final(client, mitake):
    client.get(STATUS, {**REPORT, "statuscode": "1", "StatusFlag": "1"})
    assert InboundEvent.objects.get(provider="sms").payload["delivered"] is None


def test_wrong_secret_is_refused(client, mitake):
    resp = client.get("/integrations/sms/token=not-the-secret/status/", REPORT)
    assert resp.status_code == 403 and not InboundEvent.objects.exists()


def test_callbacks_are_off_without_a_secret_or_without_credentials(client, mitake, settings):
    settings.SMS_CALLBACK_SECRET = ""
    assert client.get(STATUS, REPORT).status_code == 404
    settings.SMS_CALLBACK_SECRET = CALLBACK_SECRET
    settings.MITAKE_PASSWORD = ""
    assert client.get(STATUS, REPORT).status_code == 404
    assert not InboundEvent.objects.exists()


def test_a_report_without_msgid_is_a_bad_request(client, mitake):
    assert client.get(STATUS, {"statuscode": "4"}).status_code == 400
    assert client.get(f"/integrations/sms/token={CALLBACK_SECRET}/reply/", {"smbody": "取消"}).status_code == 400


def test_an_ordinary_reply_is_ignored_and_forgotten(client, mitake):
    from integrations.common.processing import drain_pending_events

    resp = client.post(
        f"/integrations/sms/token={CALLBACK_SECRET}/reply/", {"msgid": "MO1", "srcaddr": "0912345678", "smbody": "請問進度"}
    )
    assert resp.status_code == 200
    drain_pending_events("sms")
    event = InboundEvent.objects.get(provider="sms")
    assert event.status == "ignored" and "請問進度" not in str(event.payload) and "0912345678" not in str(event.payload)


def test_neither_the_secret_nor_the_number_reaches_a_log_line(client, mitake, settings, caplog):
    import logging

    settings.CASESYS_ACCESS_LOG = True
    caplog.set_level(logging.DEBUG)
    client.get(STATUS, REPORT)  # 200
    client.get(f"/integrations/sms/token={CALLBACK_SECRET}x/status/", REPORT)  # 403
    client.get(STATUS, {"dstaddr": "0912345678"})  # 400
    client.get(f"/integrations/sms/token={CALLBACK_SECRET}/reply/", {"msgid": "MO2", "srcaddr": "0912345678", "smbody": "取消"})
    records = [r for r in caplog.records if r.name in ("casesys.request", "django.request", "django.server")]
    assert any(r.name == "casesys.request" for r in records)
    for record in records:
        text = " ".join([record.getMessage(), *(repr(v) for v in record.__dict__.values())])
        assert CALLBACK_SECRET not in text and "0912345678" not in text


def test_a_report_that_overtakes_the_send_is_applied_once_the_send_is_recorded(client, mitake, org):
    from casesys.notifications.models import Notification
    from casesys.notifications.services import notification_deliver
    from integrations.common.processing import drain_pending_events
    from tests.factories import new_case

    case, _ = new_case(org, channel="phone", petitioner={"name": "張阿伯", "phone": "0912345678"}, category=org.lights)
    client.get(STATUS, REPORT)  # msgid 1000000001: the fake gateway's first id
    drain_pending_events("sms")
    event = InboundEvent.objects.get(provider="sms")
    assert event.status == "pending" and "no notice with this message id yet" in event.error

    row = Notification.objects.get(case=case, template="case_acknowledged", channel="sms")
    assert notification_deliver(notification_id=row.pk) == "sent"
    drain_pending_events("sms")
    row.refresh_from_db()
    event.refresh_from_db()
    assert event.status == "processed" and row.external_id == "1000000001" and row.confirmed_at is not None
