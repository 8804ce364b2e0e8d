"""忘記密碼: a new case password to the contact on record, never on screen, no enumeration."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case, CaseEvent
from casesys.cases.numbering import check_case_password
from casesys.common import limits
from casesys.notifications.models import Notification
from casesys.notifications.render import render
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TEMPLATE = "case_password_reset"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _ask(client: Client, number: str, contact: str):
    return client.post("/status/forgot/", {"number": number, "contact": contact})


def _shown(client: Client, resp) -> str:
    """The page the citizen ends on (the response followed through its redirect)."""
    assert resp.status_code == 302
    return client.get(resp["Location"]).content.decode()


def test_lookup_page_links_to_the_form(org):
    page = Client().get("/status/").content.decode()
    assert 'href="/status/forgot/"' in page and "忘記密碼" in page
    assert Client().get("/status/forgot/").status_code == 200


def test_a_matching_email_sets_a_new_password_and_sends_it_by_email(org):
    case, old = new_case(org, petitioner={"name": "林小姐", "email": "Lin@Example.invalid"})
    c = Client()
    resp = _ask(c, case.number.lower(), " lin@example.invalid ")
    page = _shown(c, resp)
    assert "若案號與聯絡資料相符" in page
    row = Notification.objects.get(case=case, template=TEMPLATE)
    assert row.channel == "email" and row.recipient_address == "Lin@Example.invalid"
    new = row.context["password"]
    case.refresh_from_db()
    assert check_case_password(new, case.password_hash) and not check_case_password(old, case.password_hash)
    # The stored text has the password masked; the sender renders it from the context.
    assert new not in row.body and "********" in row.body
    assert new in render(TEMPLATE, row.context)[1]
    # Never on screen.
    assert new not in resp.content.decode() and new not in page
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.PASSWORD_RESET, note="channel=email").exists()
    # The new password opens the case.
    assert c.post("/status/", {"number": case.number, "password": new}).status_code == 302


def test_a_matching_phone_works_in_any_format(org):
    case, _ = new_case(org, petitioner={"name": "陳先生", "phone": "0912-345-678", "email": "chen@example.invalid"})
    _ask(Client(), case.number, "0912345678")
    assert Notification.objects.filter(case=case, template=TEMPLATE, channel="email").exists()


def test_no_enumeration_the_same_answer_whether_or_not_it_matched(org):
    case, old = new_case(org, petitioner={"name": "林小姐", "email": "lin@example.invalid"})
    pages = []
    for number, contact in [
        (case.number, "lin@example.invalid"),  # matches
        (case.number, "someone@example.invalid"),  # wrong contact
        ("CS-1150101-99999", "lin@example.invalid"),  # no such case
    ]:
        c = Client()
        resp = _ask(c, number, contact)
        assert resp.status_code == 302
        page = _shown(c, resp).replace(number, "N").replace(number.lower(), "N")
        pages.append(page[page.index("<main"):].split('name="csrfmiddlewaretoken"')[0])
    assert pages[0] == pages[1] == pages[2]
    assert Notification.objects.filter(template=TEMPLATE).count() == 1


def test_no_electronic_route_changes_nothing(org):
    case, old = new_case(org, channel="phone", petitioner={"name": "張阿伯", "phone": "0912345678"})
    resp = _ask(Client(), case.number, "0912345678")
    assert resp.status_code == 302
    case.refresh_from_db()
    assert check_case_password(old, case.password_hash)
    assert not Notification.objects.filter(template=TEMPLATE).exists()


def test_a_phone_only_caller_gets_it_by_the_fallback_route_when_one_is_set_up(org, settings):
    settings.SMS_PROVIDER = "mitake"
    settings.MITAKE_USERNAME, settings.MITAKE_PASSWORD = "u", "p"
    settings.MITAKE_BASE_URL = "http://127.0.0.1:9"
    case, _ = new_case(org, channel="phone", petitioner={"name": "張阿伯", "phone": "0912345678"})
    _ask(Client(), case.number, "0912-345678")
    row = Notification.objects.get(case=case, template=TEMPLATE)
    assert row.channel == "sms" and row.recipient_address.endswith("912345678")


def test_rate_limited_per_client_address(org, monkeypatch):
    monkeypatch.setattr(limits, "PASSWORD_RESEND_PER_CLIENT_PER_HOUR", 2)
    case, _ = new_case(org)
    c = Client(REMOTE_ADDR="203.0.113.7")
    assert _ask(c, "CS-1150101-00001", "a@example.invalid").status_code == 302
    assert _ask(c, "CS-1150101-00002", "a@example.invalid").status_code == 302
    resp = _ask(c, case.number, "citizen@example.invalid")
    assert resp.status_code == 429 and "申請次數過多" in resp.content.decode() and "Retry-After" in resp
    assert not Notification.objects.filter(template=TEMPLATE).exists()
    # Another address is not held back.
    assert _ask(Client(REMOTE_ADDR="203.0.113.8"), case.number, "citizen@example.invalid").status_code == 302
    assert Notification.objects.filter(template=TEMPLATE).count() == 1


def test_rate_limited_per_case(org, monkeypatch):
    monkeypatch.setattr(limits, "PASSWORD_RESEND_PER_CASE_PER_DAY", 2)
    case, _ = new_case(org)
    for i in range(2):
        assert _ask(Client(REMOTE_ADDR=f"198.51.100.{i}"), case.number, "citizen@example.invalid").status_code == 302
    resp = _ask(Client(REMOTE_ADDR="198.51.100.9"), case.number, "citizen@example.invalid")
    assert resp.status_code == 429
    assert Notification.objects.filter(template=TEMPLATE, case=case).count() == 2


def test_the_forwarded_header_of_an_untrusted_client_does_not_pick_the_bucket(org, monkeypatch):
    monkeypatch.setattr(limits, "PASSWORD_RESEND_PER_CLIENT_PER_HOUR", 1)
    c = Client(REMOTE_ADDR="203.0.113.7")
    assert _ask(c, "CS-1150101-00001", "a@example.invalid").status_code == 302
    resp = c.post(
        "/status/forgot/", {"number": "CS-1150101-00002", "contact": "a@example.invalid"}, HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert resp.status_code == 429


def test_form_errors_are_shown(org):
    resp = Client().post("/status/forgot/", {"number": "", "contact": ""})
    assert resp.status_code == 400 and 'id="id_number_error"' in resp.content.decode()
    assert Case.objects.count() == 0
