"""The channel registry: a connector is a settings entry, and the core routes, masks and
counts its messages without naming it."""

from __future__ import annotations

import re

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from casesys.cases.addresses import contact_opt_out
from casesys.cases.identity import masked_view
from casesys.cases.models import ContactAddress, channel_choices
from casesys.common import channels
from casesys.notifications.models import ContactTask, Notification, notification_channel_choices
from casesys.notifications.services import notification_deliver, notification_delivery_report
from casesys.notifications.transports import Transport, TransportError
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def mobile_only(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    return digits if re.fullmatch(r"09\d{8}", digits) else ""


class PagerTransport(Transport):
    """A stand-in connector: records what it sends and answers with a message id."""

    sent: list[tuple[str, str]] = []
    fail_with: TransportError | None = None

    def send(self, notification) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((notification.recipient_address, notification.template))
        return f"pager-{notification.pk}"


PAGER = {
    "label": "呼叫器 / Pager",
    "transport": f"{__name__}.PagerTransport",
    "mask": "phone",
    "route": "fallback",
    "kinds": ["case_acknowledged", "case_reply"],
    "address_from": "phone",
    "address": f"{__name__}.mobile_only",
}


def without_fallbacks(entries: dict) -> dict:
    """The configured channels minus those carrying what is left (SMS, say): the stand-in is
    then the one fallback, whatever the settings configure."""
    return {name: entry for name, entry in entries.items() if entry.get("route") != "fallback"}


@pytest.fixture
def pager(settings):
    settings.CASESYS_CHANNELS = {**without_fallbacks(settings.CASESYS_CHANNELS), "pager": PAGER}
    PagerTransport.sent = []
    PagerTransport.fail_with = None
    yield PagerTransport
    PagerTransport.fail_with = None


def _citizen(case, template):
    return Notification.objects.filter(case=case, template=template, recipient_user__isnull=True)


def test_a_connector_is_one_settings_entry_in_every_choice_list(settings):
    settings.CASESYS_CHANNELS = {**settings.CASESYS_CHANNELS, "kiosk": {"label": "服務機 / Kiosk", "intake": True}}
    assert ("kiosk", "服務機 / Kiosk") in channel_choices()
    assert "kiosk" not in dict(notification_channel_choices())
    settings.CASESYS_CHANNELS = {**settings.CASESYS_CHANNELS, "pager": PAGER}
    assert "pager" in dict(notification_channel_choices())
    assert "pager" not in dict(channel_choices())  # delivers notices, takes no cases


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"colour": "red"}, "unknown keys"),
        ({"route": "always", "transport": "x.Y"}, "route must be one of"),
        ({"route": "fallback"}, "needs a transport"),
        ({"address_from": "phone", "transport": "x.Y"}, "needs an address normaliser"),
    ],
)
def test_a_mistyped_channel_entry_fails_loudly(settings, entry, message):
    settings.CASESYS_CHANNELS = {"broken": entry}
    with pytest.raises(ImproperlyConfigured, match=message):
        channels.registry()


def test_the_system_check_names_a_transport_that_cannot_be_imported(settings):
    settings.CASESYS_CHANNELS = {"pager": {**PAGER, "transport": "integrations.nowhere.Transport"}}
    errors = [e for e in checks.run_checks() if e.id == "casesys.E001"]
    assert errors and "integrations.nowhere.Transport" in errors[0].msg


def test_intake_through_the_api_accepts_a_registered_channel_and_refuses_others(org, settings):
    settings.CASESYS_CHANNELS = {**settings.CASESYS_CHANNELS, "kiosk": {"label": "服務機 / Kiosk", "intake": True}}
    body = {"category": "GEN-MAILBOX", "subject": "公園飲水機故障", "description": "中正公園飲水機沒有出水。"}
    client = APIClient()
    client.force_authenticate(org.intake)
    ok = client.post("/api/v1/cases/", {**body, "channel": "kiosk"}, content_type="application/json")
    assert ok.status_code == 201, ok.content
    refused = client.post("/api/v1/cases/", {**body, "channel": "carrier-pigeon"}, content_type="application/json")
    assert refused.status_code == 400 and "channel" in refused.json()["errors"]


def test_a_phone_only_caller_is_reached_on_the_fallback_channel_for_chosen_notices(org, pager):
    case, _ = new_case(org, channel="phone", petitioner={"name": "黃先生", "phone": "0912-345-678"})

    row = _citizen(case, "case_acknowledged").get()
    assert (row.channel, row.recipient_address) == ("pager", "0912345678")
    assert notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert pager.sent == [("0912345678", "case_acknowledged")] and row.external_id == f"pager-{row.pk}"
    # Not a chosen notice kind: the officer calls instead.
    from casesys.notifications.services import notify_citizen

    notify_citizen(case=case, template="case_transferred", context={"agency": "交通部"}, dedupe_key="t-1")
    assert not _citizen(case, "case_transferred").exists()
    assert ContactTask.objects.get(case=case, template="case_transferred").suggested_method == "call"


def test_e_mail_goes_before_the_fallback_and_a_landline_gets_no_fallback_address(org, pager):
    emailed, _ = new_case(org, channel="phone", petitioner={"phone": "0912345678", "email": "a@example.invalid"})
    landline, _ = new_case(org, channel="letter", petitioner={"name": "林太太", "phone": "02-2345-6789"})
    assert _citizen(emailed, "case_acknowledged").get().channel == "email"
    assert not ContactAddress.objects.filter(petitioner=landline.petitioner).exists()
    assert not _citizen(landline, "case_acknowledged").exists()
    assert ContactTask.objects.filter(case=landline, template="case_acknowledged").exists()


def test_an_opted_out_number_is_never_messaged_even_as_a_new_petitioner(org, pager):
    first, _ = new_case(org, channel="letter", petitioner={"name": "甲", "phone": "0933111222"})
    assert _citizen(first, "case_acknowledged").get().channel == "pager"
    assert contact_opt_out(channel="pager", address="0933111222") == 1

    again, _ = new_case(org, channel="letter", petitioner={"name": "甲", "phone": "0933 111 222"})
    assert ContactAddress.objects.get(petitioner=again.petitioner).opted_out
    assert not _citizen(again, "case_acknowledged").exists()
    assert ContactTask.objects.filter(case=again, template="case_acknowledged").exists()


def test_an_undeliverable_report_fails_the_notice_and_asks_staff_to_call_once(org, pager):
    case, _ = new_case(org, channel="letter", petitioner={"name": "黃先生", "phone": "0912345678"})
    row = _citizen(case, "case_acknowledged").get()
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()

    assert notification_delivery_report(channel="pager", external_id=row.external_id, delivered=False, detail="空號")
    notification_delivery_report(channel="pager", external_id=row.external_id, delivered=False, detail="空號")
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("failed", "空號")
    task = ContactTask.objects.get(case=case, template="case_acknowledged")
    assert task.suggested_method == "call" and case.number in task.subject
    page = _web(org.intake).get(f"/desk/cases/{case.number}/").content.decode()
    assert f"failed-notice-{row.pk}" in page and "空號" in page


def test_a_delivery_confirmation_is_recorded_and_unknown_ids_are_ignored(org, pager):
    case, _ = new_case(org, channel="letter", petitioner={"phone": "0912345678"})
    row = _citizen(case, "case_acknowledged").get()
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert notification_delivery_report(channel="pager", external_id=row.external_id, delivered=True)
    row.refresh_from_db()
    assert row.confirmed_at is not None and row.status == "sent"
    assert notification_delivery_report(channel="pager", external_id="nope", delivered=False) is None


def test_a_notice_that_fails_for_good_becomes_a_call_task_without_the_password(org, pager):
    case, password = new_case(org, channel="letter", petitioner={"name": "黃先生", "phone": "0912345678"})
    pager.fail_with = TransportError("invalid number", permanent=True)
    row = _citizen(case, "case_acknowledged").get()
    assert notification_deliver(notification_id=row.pk) == "failed"
    task = ContactTask.objects.get(case=case)
    assert password not in task.body and case.number in task.body


def test_contact_addresses_are_masked_by_their_channel_rule(org, pager):
    case, _ = new_case(
        org,
        channel="line",
        petitioner={"name": "林小姐", "phone": "0912345678", "contacts": [{"channel": "line", "address": "U" + "a" * 32}]},
    )
    view = masked_view(case.petitioner, confidential=False, can_reveal=False)
    shown = {c["channel"]: c["address"] for c in view.contacts}
    assert shown == {"line": "Uaa○○○", "pager": "09xx-xxx-678"}


def test_metrics_and_the_operations_page_count_a_connectors_messages_this_month(org, pager, client):
    case, _ = new_case(org, channel="letter", petitioner={"phone": "0912345678"})
    notification_deliver(notification_id=_citizen(case, "case_acknowledged").get().pk)

    from django.core.cache import cache

    cache.clear()
    metrics = client.get("/metrics").content.decode()
    assert 'casesys_channel_messages_month{channel="pager"} 1.0' in metrics
    page = _web(org.supervisor).get("/reports/operations/")
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r'<tr id="outbox-pager">(.*?)</tr>', html, re.S).group(1)
    assert "呼叫器" in row and "<td>1</td>" in row
    assert _web(org.officer).get("/reports/operations/").status_code == 403
