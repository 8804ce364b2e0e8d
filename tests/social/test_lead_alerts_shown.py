"""The leads page shows, on a lead that raised alerts, which cases it matched and why — the
number a link only for staff who may open the case — without a query per lead."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casesys.cases.models import Case
from casesys.inbound.models import Lead
from casesys.inbound.services import lead_record
from casesys.social.alerts import lead_alerts_check
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
MONDAY_10AM = dt.datetime(2025, 11, 3, 10, 0, tzinfo=TPE)
THURSDAY_10AM = MONDAY_10AM + dt.timedelta(days=3)
ALERT_LINE = re.compile(r'<li class="lead-alert">(.*?)</li>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


def _case(org, **kwargs) -> Case:
    with time_machine.travel(MONDAY_10AM, tick=False):
        case, _password = new_case(org, **kwargs)
    return case


def _overdue(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(due_at=MONDAY_10AM + dt.timedelta(days=1))
    return case


def _lead(external_id: str, text: str) -> Lead:
    with time_machine.travel(THURSDAY_10AM, tick=False):
        lead, _created = lead_record(source="facebook", external_id=external_id, text=text)
    lead_alerts_check(lead_id=lead.pk, now=THURSDAY_10AM)
    return lead


@pytest.fixture
def matched(org):
    """A lead naming a 路燈科 case, at the place of an overdue 道路養護科 case, worded like an
    overdue case not yet dispatched."""
    named = _case(org, category=org.lights)
    place = _overdue(_case(
        org, category=org.pothole, subject="人行道地磚破損",
        location={"address": "大安區和平東路一段20號", "district": "大安區"},
    ))
    words = _overdue(_case(org, subject="公園溜滑梯斷裂", location={}))
    lead = _lead("p1", f"{named.number} 的路燈還是不亮！大安區和平東路的人行道也破了好幾個月，公園溜滑梯斷裂也沒人修")
    return lead, named, place, words


def _card(html: str, lead: Lead) -> str:
    start = html.index(f'id="lead-{lead.pk}"')
    end = html.find('<li class="card', start)
    return html[start : end if end > 0 else len(html)]


def _lines(card: str) -> list[tuple[str | None, str]]:
    """Each alert line as (link target or None, the text read)."""
    lines = []
    for inner in ALERT_LINE.findall(card):
        link = LINK.search(inner)
        lines.append((link.group(1) if link else None, html_lib.unescape(re.sub(r"<[^>]+>", "", inner))))
    return lines


def _page(client) -> str:
    with time_machine.travel(THURSDAY_10AM + dt.timedelta(minutes=5), tick=False):
        response = client.get("/desk/leads/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_matched_case_is_shown_with_why_and_a_link_only_where_the_viewer_may_open_it(org, client_for, matched):
    lead, named, place, words = matched

    card = _card(_page(client_for(org.officer_light)), lead)

    assert "涉及既有案件" in card
    assert _lines(card) == [
        (f"/desk/cases/{named.number}/", f"{named.number}：提及此案號"),
        (None, f"{place.number}：與逾期案件地點相同"),
        (None, f"{words.number}：與逾期案件用語相近"),
    ]


def test_an_administrator_may_open_every_matched_case(org, client_for, matched):
    lead, named, place, words = matched

    lines = _lines(_card(_page(client_for(org.admin)), lead))

    assert [href for href, _text in lines] == [f"/desk/cases/{c.number}/" for c in (named, place, words)]


def test_in_english_the_reasons_are_english_only(org, client_for, matched):
    lead, named, place, words = matched
    client = client_for(org.supervisor)
    client.cookies["django_language"] = "en"

    card = _card(_page(client), lead)

    assert "Concerns existing cases" in card and "涉及既有案件" not in card
    # 工務局's supervisor may open the 路燈科 and 道路養護科 cases, not the undispatched one.
    assert _lines(card) == [
        (f"/desk/cases/{named.number}/", f"{named.number}: mentions the case number"),
        (f"/desk/cases/{place.number}/", f"{place.number}: same place as an overdue case"),
        (None, f"{words.number}: similar wording to an overdue case"),
    ]


def test_a_lead_without_alerts_shows_no_alert_box(org, client_for, matched):
    quiet = _lead("p2", "今天天氣很好，大家出門走走")

    card = _card(_page(client_for(org.intake)), quiet)

    assert "lead-alerts" not in card and "涉及既有案件" not in card


def test_the_alerts_cost_the_same_queries_for_one_lead_or_many(org, client_for, matched):
    client = client_for(org.officer_light)
    _page(client)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        _page(client)
    lead, named, *_rest = matched
    for k in range(4):
        _lead(f"more{k}", f"{named.number} 第{k}次反映，路燈還是不亮")
    with CaptureQueriesContext(connection) as five:
        html = _page(client)

    assert html.count('class="lead-alert"') == 3 + 4
    assert len(five) == len(one)


def test_a_converted_leads_case_is_linked_only_for_staff_who_may_open_it(org, client_for):
    pothole = _case(org, category=org.pothole, subject="人行道地磚破損")
    lead = _lead("c1", "和平東路人行道地磚破損好幾個月了")
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED, case=pothole)

    def card(user) -> str:
        with time_machine.travel(THURSDAY_10AM + dt.timedelta(minutes=5), tick=False):
            html = client_for(user).get("/desk/leads/", {"status": "converted"}).content.decode()
        return _card(html, lead)

    link = f'<a href="/desk/cases/{pothole.number}/">'
    outsider = card(org.officer_light)  # 路燈科: not this 道路養護科 case
    assert pothole.number in outsider and link not in outsider
    assert link in card(org.admin)
