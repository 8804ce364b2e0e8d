"""How long a browser stays trusted: citizens until the browser closes or 30 idle minutes
(and a "forget this case" button), staff for a working day from log-in."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from casesys.workcal.calendar import TAIPEI
from tests.factories import new_case

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)


def looked_up(org) -> tuple[Client, str]:
    case, password = new_case(org)
    c = Client()
    resp = c.post("/status/", {"number": case.number, "password": password})
    assert resp.status_code == 302 and resp["Location"] == f"/status/{case.number}/"
    return c, case.number


def test_citizen_session_cookie_ends_with_the_browser(org):
    case, password = new_case(org)
    resp = Client().post("/status/", {"number": case.number, "password": password})
    cookie = resp.cookies["sessionid"]
    assert cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_idle_citizen_session_is_gone_after_31_minutes(org):
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c, number = looked_up(org)
        clock.shift(dt.timedelta(minutes=29))
        assert c.get(f"/status/{number}/").status_code == 200  # and the 30 minutes start again
        clock.shift(dt.timedelta(minutes=29))
        page = c.get(f"/status/{number}/")
        assert page.status_code == 200 and number in page.content.decode()
        clock.shift(dt.timedelta(minutes=31))
        resp = c.get(f"/status/{number}/")
        assert resp.status_code == 302 and resp["Location"] == "/status/"
        # Gone for good, not only for this request.
        clock.shift(dt.timedelta(minutes=1))
        assert c.get(f"/status/{number}/").status_code == 302


def test_idle_minutes_are_configurable(org, settings):
    settings.CASESYS_CITIZEN_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c, number = looked_up(org)
        clock.shift(dt.timedelta(minutes=6))
        assert c.get(f"/status/{number}/").status_code == 302


def test_mailbox_password_page_is_not_shown_after_the_idle_time(org):
    letter = {
        "category": str(org.mailbox.pk), "subject": "路燈不亮", "description": "巷口路燈不亮",
        "address": "中山區中山路二段10號", "district": "中山區", "name": "王小明", "phone": "0912345678",
        "email": "", "privacy": "on", "website": "",
    }
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c = Client()
        assert c.post("/mailbox/", letter).status_code == 302
        clock.shift(dt.timedelta(minutes=31))
        assert c.get("/mailbox/done/").status_code == 302


def test_forget_button_clears_the_case_and_goes_back_to_the_lookup_form(org):
    c, number = looked_up(org)
    page = c.get(f"/status/{number}/").content.decode()
    assert "忘記此案件" in page and f'action="/status/{number}/forget/"' in page
    assert c.get(f"/status/{number}/forget/").status_code == 405  # POST only
    resp = c.post(f"/status/{number}/forget/", follow=True)
    assert resp.redirect_chain[-1] == ("/status/", 302)
    assert "已忘記此案件" in resp.content.decode()
    assert c.get(f"/status/{number}/").status_code == 302
    assert c.post(f"/status/{number}/survey/", {"score": "5"}).status_code == 404


def test_forgetting_one_case_keeps_the_other_looked_up_case(org):
    c, first = looked_up(org)
    second, password = new_case(org)
    c.post("/status/", {"number": second.number, "password": password})
    c.post(f"/status/{first}/forget/")
    assert c.get(f"/status/{first}/").status_code == 302
    assert c.get(f"/status/{second.number}/").status_code == 200


def _staff_login(org) -> Client:
    c = Client()
    resp = c.post("/accounts/login/", {"username": "officer", "password": "pw-for-tests-123"})
    assert resp.status_code == 302
    return c


def test_staff_session_lasts_the_configured_working_day_not_two_weeks(org, settings):
    settings.CASESYS_STAFF_SESSION_HOURS = 10
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c = _staff_login(org)
        assert c.cookies["sessionid"]["max-age"] == 10 * 3600
        clock.shift(dt.timedelta(hours=9, minutes=59))
        assert c.get("/desk/queue/").status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        resp = c.get("/desk/queue/")
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_staff_session_hours_are_configurable_and_not_renewed_by_activity(org, settings):
    settings.CASESYS_STAFF_SESSION_HOURS = 2
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c = _staff_login(org)
        for _ in range(3):
            clock.shift(dt.timedelta(minutes=35))
            assert c.get("/desk/queue/").status_code == 200
        clock.shift(dt.timedelta(minutes=20))
        assert c.get("/desk/queue/").status_code == 302


def test_staff_looking_up_a_case_keep_their_working_day_session(org):
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        c = _staff_login(org)
        case, password = new_case(org)
        c.post("/status/", {"number": case.number, "password": password})
        clock.shift(dt.timedelta(hours=2))
        assert c.get("/desk/queue/").status_code == 200
