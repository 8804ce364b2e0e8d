"""收件回執 / 一次告知單: the printable receipt of a phone or walk-in case.

The password is stored hashed; its clear text is on the receipt only for the officer who just
registered the case, in their own session, for RECEIPT_PASSWORD_MINUTES."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from casesys.cases.models import Case, Channel, Language
from casesys.cases.numbering import check_case_password
from casesys.web.views.receipt import RECEIPT_PASSWORD_MINUTES
from tests.factories import new_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 16, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Taipei


def _register(client: Client, org, *, channel: str = Channel.PHONE, language: str = "") -> tuple[Case, str, str]:
    resp = client.post(
        "/desk/intake/new/",
        {
            "channel": channel, "category": org.lights.pk, "subject": "民生路路燈閃爍",
            "description": "民生路一段路燈整晚閃爍。", "name": "張先生", "phone": "0922333444",
            "language": language,
        },
        follow=True,
    )
    html = resp.content.decode()
    m = re.search(r"(CS-\d{7}-\d{5})[，;] ?(?:查詢密碼|case password) (\S+?)[（ ]", html)
    assert m, html
    return Case.objects.get(number=m.group(1)), m.group(2), html


@pytest.fixture
def intake(org):
    c = Client()
    c.force_login(org.intake)
    return c


def test_receipt_right_after_intake_shows_number_password_deadline_and_next_steps(org, intake):
    with time_machine.travel(NOW, tick=False):
        case, password, html = _register(intake, org)
        assert f'href="/desk/cases/{case.number}/receipt/" id="receipt-link"' in html
        resp = intake.get(f"/desk/cases/{case.number}/receipt/")
    assert resp.status_code == 200
    assert "no-store" in resp["Cache-Control"]
    page = resp.content.decode()
    assert check_case_password(password, case.password_hash)
    assert f'id="receipt-number" class="mono">{case.number}<' in page
    assert f'id="receipt-password" class="mono">{password}<' in page
    assert "路燈不亮" in page  # the category
    assert case.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") in page
    assert "3 個工作天（自收件次一工作天起算）" in page  # the category's own rule
    assert "接下來的處理程序" in page and "全案不超過 30 日" in page
    assert "http://testserver/status/" in page
    assert 'lang="zh-Hant-TW"' in page


def test_receipt_is_in_the_petitioners_language(org, intake):
    with time_machine.travel(NOW, tick=False):
        case, password, _ = _register(intake, org, channel=Channel.WALK_IN, language=Language.EN)
        page = intake.get(f"/desk/cases/{case.number}/receipt/").content.decode()
    assert case.language == Language.EN
    assert '<html lang="en">' in page
    assert "What happens next" in page and "3 working days, counted from the working day after receipt" in page
    assert password in page
    assert "接下來" not in page


def test_the_password_is_not_shown_later_or_to_anyone_else(org, intake):
    with time_machine.travel(NOW, tick=False):
        case, password, _ = _register(intake, org)
    officer = Client()
    officer.force_login(org.officer_light)
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        other = officer.get(f"/desk/cases/{case.number}/receipt/").content.decode()
    assert password not in other and "已於收件時告知" in other
    with time_machine.travel(NOW + dt.timedelta(minutes=RECEIPT_PASSWORD_MINUTES + 1), tick=False):
        late = intake.get(f"/desk/cases/{case.number}/receipt/").content.decode()
    assert password not in late and "已於收件時告知" in late
    assert "receipt_passwords" not in intake.session or case.number not in intake.session["receipt_passwords"]


def test_receipt_only_for_phone_and_walk_in_cases_the_user_may_see(org, intake):
    web_case, _ = new_case(org, category=org.lights)
    assert intake.get(f"/desk/cases/{web_case.number}/receipt/").status_code == 404
    letter, _ = new_case(org, category=org.lights, channel=Channel.LETTER, by=org.intake)
    assert intake.get(f"/desk/cases/{letter.number}/receipt/").status_code == 404
    phone, _ = new_case(org, category=org.lights, channel=Channel.PHONE, by=org.intake)
    assert intake.get(f"/desk/cases/{phone.number}/receipt/").status_code == 200
    outsider = Client()
    outsider.force_login(org.officer_clean)  # another bureau: may not see the case
    assert outsider.get(f"/desk/cases/{phone.number}/receipt/").status_code == 404
    anonymous = Client().get(f"/desk/cases/{phone.number}/receipt/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_case_page_links_the_receipt_of_a_phone_case(org, intake):
    phone, _ = new_case(org, category=org.lights, channel=Channel.PHONE, by=org.intake)
    html = intake.get(f"/desk/cases/{phone.number}/").content.decode()
    assert f'href="/desk/cases/{phone.number}/receipt/"' in html
    web_case, _ = new_case(org, category=org.lights)
    assert "/receipt/" not in intake.get(f"/desk/cases/{web_case.number}/").content.decode()


def test_only_the_last_few_passwords_are_kept(org, intake):
    with time_machine.travel(NOW, tick=False):
        cases = [_register(intake, org)[0] for _ in range(6)]
    kept = intake.session["receipt_passwords"]
    assert list(kept) == [c.number for c in cases[1:]]


def test_staff_issue_a_new_password_from_the_receipt_audited_and_the_old_one_stops_working(org, intake):
    from casesys.cases.events import CaseEventKind

    with time_machine.travel(NOW, tick=False):
        case, old, _ = _register(intake, org)
    officer = Client()
    officer.force_login(org.officer_light)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        page = officer.get(f"/desk/cases/{case.number}/receipt/").content.decode()
        assert f'action="/desk/cases/{case.number}/receipt/new-password/"' in page
        assert officer.get(f"/desk/cases/{case.number}/receipt/new-password/").status_code == 405
        resp = officer.post(f"/desk/cases/{case.number}/receipt/new-password/", follow=True)
    html = resp.content.decode()
    new = re.search(r'id="receipt-password" class="mono">(\S+?)<', html).group(1)
    case.refresh_from_db()
    assert new != old and check_case_password(new, case.password_hash)
    assert not check_case_password(old, case.password_hash)
    assert "原密碼已失效" in html and 'id="reissue-form"' not in html
    event = case.events.get(kind=CaseEventKind.PASSWORD_REISSUED)
    assert event.actor == org.officer_light and event.public and new not in str(event.changes) + event.note
    # The citizen's old password no longer opens the status page; the new one does.
    citizen = Client()
    assert citizen.post("/status/", {"number": case.number, "password": old}).status_code == 400
    assert citizen.post("/status/", {"number": case.number, "password": new}).status_code == 302


def test_analysts_and_outsiders_cannot_issue_a_password(org):
    phone, _ = new_case(org, category=org.lights, channel=Channel.PHONE, by=org.intake)
    analyst = Client()
    analyst.force_login(org.analyst)
    assert 'id="reissue-form"' not in analyst.get(f"/desk/cases/{phone.number}/receipt/").content.decode()
    assert analyst.post(f"/desk/cases/{phone.number}/receipt/new-password/").status_code == 403
    outsider = Client()
    outsider.force_login(org.officer_clean)
    assert outsider.post(f"/desk/cases/{phone.number}/receipt/new-password/").status_code == 404
    web_case, _ = new_case(org, category=org.lights)
    intake = Client()
    intake.force_login(org.intake)
    assert intake.post(f"/desk/cases/{web_case.number}/receipt/new-password/").status_code == 404


def test_receipt_uses_the_configured_limits(org, intake, settings):
    settings.CASESYS = {**settings.CASESYS, "SURVEY_WINDOW_DAYS": 10, "MAX_CASE_CALENDAR_DAYS": 20}
    phone, _ = new_case(org, category=org.lights, channel=Channel.PHONE, by=org.intake)
    page = intake.get(f"/desk/cases/{phone.number}/receipt/").content.decode()
    assert "全案不超過 20 日" in page and "結案答復後 10 日內" in page
