"""Signed links in citizen notices: open one case without the password, for a limited time."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casesys.cases import services
from casesys.cases.citizen_links import (
    STATUS_DAYS_AFTER_CLOSE,
    Purpose,
    make_token,
    status_link,
    survey_link,
)
from casesys.logconf import redact_secrets
from casesys.notifications.models import Notification
from tests.factories import new_case
from tests.web.test_survey import closed_case

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)  # a Tuesday; the clock is frozen here


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _open(client: Client, url: str):
    return client.get(_path(url))


def test_status_link_opens_the_case_without_the_password_and_redirects_to_the_clean_url(org, frozen):
    case, _ = new_case(org)
    c = Client()
    resp = _open(c, status_link(case))
    assert resp.status_code == 302 and resp["Location"] == f"/status/{case.number}/"
    page = c.get(resp["Location"])
    assert page.status_code == 200 and case.number in page.content.decode()
    assert "?token=" not in page.content.decode()
    # The session covers this one case only.
    other, _ = new_case(org)
    assert c.get(f"/status/{other.number}/").status_code == 302


def test_the_acknowledgement_carries_the_link_and_it_opens_the_case(org, frozen):
    case, _ = new_case(org)
    ack = Notification.objects.get(case=case, template="case_acknowledged")
    [url] = re.findall(r"https?://\S+/open/\?token=\S+", ack.body)[:1]
    resp = _open(Client(), url)
    assert resp.status_code == 302 and resp["Location"] == f"/status/{case.number}/"


def test_tampered_token_is_refused_with_the_password_form(org, frozen):
    case, _ = new_case(org)
    url = status_link(case)
    bad = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    c = Client()
    resp = _open(c, bad)
    html = resp.content.decode()
    assert resp.status_code == 400
    assert 'name="password"' in html and 'action="/status/"' in html and case.number in html
    assert c.get(f"/status/{case.number}/").status_code == 302  # nothing remembered
    assert _open(c, f"/status/{case.number}/open/").status_code == 400  # no token at all


def test_a_token_for_one_case_does_not_open_another(org, frozen):
    case, _ = new_case(org)
    other, _ = new_case(org)
    token = make_token(case, Purpose.STATUS)
    c = Client()
    assert c.get(f"/status/{other.number}/open/", {"token": token}).status_code == 400
    assert c.get(f"/status/{other.number}/").status_code == 302


def test_a_survey_token_is_not_a_status_token(org, frozen):
    case, _ = new_case(org)
    token = make_token(case, Purpose.SURVEY)
    assert Client().get(f"/status/{case.number}/open/", {"token": token}).status_code == 400


def test_status_link_of_an_open_case_keeps_working(org, frozen):
    case, _ = new_case(org)
    url = status_link(case)
    frozen.shift(dt.timedelta(days=400))
    assert _open(Client(), url).status_code == 302


def test_status_link_lives_until_30_days_after_closure(org, frozen):
    case, _ = closed_case(org)
    url = status_link(case)  # made before closing or after: the closing time decides
    case.refresh_from_db()
    ends = case.closed_at + dt.timedelta(days=STATUS_DAYS_AFTER_CLOSE)
    frozen.move_to(ends - dt.timedelta(minutes=1))
    assert _open(Client(), url).status_code == 302
    frozen.move_to(ends + dt.timedelta(minutes=1))
    resp = _open(Client(), url)
    html = resp.content.decode()
    assert resp.status_code == 410
    assert "已過期" in html and 'name="password"' in html


def test_the_closing_time_is_read_when_the_link_is_opened(org, frozen):
    case, _ = closed_case(org)
    url = status_link(case)
    case.refresh_from_db()
    services.case_reopen(case=case, reason="民眾反映仍未修復", by=org.supervisor)
    # Open again: the link made before the reopening still works, however long it takes.
    frozen.shift(dt.timedelta(days=STATUS_DAYS_AFTER_CLOSE + 100))
    assert _open(Client(), url).status_code == 302


def test_survey_link_lives_7_days_and_shows_the_survey(org, frozen):
    case, _ = closed_case(org)
    invitation = Notification.objects.get(case=case, template="survey_invitation")
    assert f"/status/{case.number}/survey/open/?token=" in invitation.body
    url = survey_link(case)
    c = Client()
    resp = _open(c, url)
    assert resp.status_code == 302 and resp["Location"] == f"/status/{case.number}/#h-survey"
    assert 'id="h-survey"' in c.get(f"/status/{case.number}/").content.decode()
    frozen.shift(dt.timedelta(days=7, minutes=1))
    resp = _open(Client(), url)
    assert resp.status_code == 410 and "滿意度調查連結" in resp.content.decode()


def test_the_token_is_never_logged(org, frozen, caplog):
    case, _ = new_case(org)
    url = status_link(case)
    token = url.split("token=")[1]
    assert token not in redact_secrets(url)
    with caplog.at_level(logging.DEBUG):
        _open(Client(), url)
        _open(Client(), url[:-2] + "xx")  # a 4xx, which django.request logs
    assert token not in caplog.text and token[:-2] + "xx" not in caplog.text


def test_the_status_page_keeps_the_token_from_other_sites(org, frozen):
    case, _ = new_case(org)
    c = Client()
    resp = _open(c, status_link(case))
    assert resp["Referrer-Policy"] == "same-origin"
    page = c.get(resp["Location"])
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]


def test_the_english_notice_has_the_same_link(org, frozen):
    case, _ = new_case(org, language="en")
    ack = Notification.objects.get(case=case, template="case_acknowledged")
    assert ack.body.count(f"/status/{case.number}/open/?token=") == 2  # both languages
    assert timezone.now() == T0
