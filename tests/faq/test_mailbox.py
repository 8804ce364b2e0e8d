"""The mailbox suggests FAQ entries while the subject is typed; a citizen who opened one and
sent no letter within 24 hours counts as deflected, shown per entry and in total in the
reports. Nothing that identifies the citizen is stored."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from casesys.faq.models import MailboxFaqView, MailboxVisit
from casesys.faq.services import faq_entry_create
from tests.faq.conftest import published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 4, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in Taipei


def letter(org, **extra) -> dict:
    return {
        "category": str(org.mailbox.pk), "subject": "巷口路燈不亮", "description": "中山路二段巷口路燈已三天不亮。",
        "address": "中山區中山路二段10號", "district": "中山區", "name": "王小明", "phone": "0921-000-555",
        "email": "", "privacy": "on", "website": "", **extra,
    }


def test_typing_a_subject_shows_matching_entries(org, lights_faq):
    faq_entry_create(category=org.lights, question="路燈不亮的草稿問題", answer="草稿", by=org.intake)
    page = Client().get("/mailbox/").content.decode()
    assert 'id="faq-suggest-box"' in page and 'aria-live="polite"' in page and 'hx-params="subject"' in page
    c = Client()
    html = c.post("/faq/suggest/", {"subject": "我家巷口路燈不亮"}, HTTP_HX_REQUEST="true").content.decode()
    assert "路燈不亮要怎麼報修？" in html and f'href="/faq/{lights_faq.pk}/?from=mailbox"' in html
    assert "草稿問題" not in html and "另開新分頁" in html
    assert c.post("/faq/suggest/", {"subject": "公車站牌"}).content.decode().strip() == ""
    assert c.post("/faq/suggest/", {"subject": "路" * 5000}).status_code == 200
    assert c.get("/faq/suggest/").status_code == 405
    # A letter sent back with an error asks again at once for the subject it keeps.
    again = Client().post("/mailbox/", letter(org, privacy="")).content.decode()
    assert 'hx-trigger="load, input changed' in again
    en = Client()
    en.cookies["django_language"] = "en"
    assert "How do I report a street light that is out?" in en.post("/faq/suggest/", {"subject": "street light out"}).content.decode()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("我家巷口路燈一直閃", ["路燈不亮要怎麼報修？"]),
        ("路灯坏了", ["路燈不亮要怎麼報修？"]),  # Simplified Chinese
        ("噪音好吵", ["鄰居或店家噪音太大，可以怎麼處理？"]),
        ("家具要丟", ["大型廢棄家具要怎麼丟？"]),
        ("路面坑洞", ["道路坑洞多久會修補？"]),
        # Only how a question is asked, or nothing any question is about: no suggestion.
        ("請問要怎麼辦", []),
        ("我要怎麼申請低收入戶", []),
        ("公車站牌", []),
    ],
)
def test_suggestions_follow_what_the_subject_is_about(org, lights_faq, subject, expected):
    from casesys.faq.selectors import mailbox_matches

    published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="24 小時內修補，需申請挖掘許可者除外。")
    published(org, category=org.mailbox, question="鄰居或店家噪音太大，可以怎麼處理？", answer="營業場所噪音向環保局陳情。")
    published(org, category=org.mailbox, question="大型廢棄家具要怎麼丟？", answer="請預約清潔隊收運。")
    assert [e.question for e in mailbox_matches(subject, english=False)] == expected


def test_deflection_counted_per_visit_and_shown_in_the_report(org, client_for, lights_faq):
    other = published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="24 小時內修補。")
    # Citizen A opens the entry from the mailbox and writes no letter.
    a = Client()
    with time_machine.travel(T0, tick=False):
        a.get("/mailbox/")
        assert a.get(f"/faq/{lights_faq.pk}/?from=mailbox").status_code == 200
        a.get(f"/faq/{lights_faq.pk}/?from=mailbox")  # a reload counts once
    # Citizen B opens both entries, then sends the letter anyway.
    b = Client()
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        b.get(f"/faq/{lights_faq.pk}/?from=mailbox")
        b.get(f"/faq/{other.pk}/?from=mailbox")
        assert b.post("/mailbox/", letter(org)).status_code == 302
    # Citizen C reads the FAQ without the mailbox: not part of the count.
    Client().get(f"/faq/{lights_faq.pk}/")
    assert MailboxVisit.objects.count() == 2 and MailboxFaqView.objects.count() == 3
    # Nothing about the citizen is stored: a random key and times only.
    visit_fields = {f.name for f in MailboxVisit._meta.get_fields()}
    assert visit_fields == {"id", "key", "started_at", "submitted_at", "views"}

    report_url = "/reports/faq/?start=2026-04-01&end=2026-04-30"
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        # Within 24 hours A's visit is still pending.
        html = client_for(org.supervisor).get(report_url).content.decode()
        assert 'id="total-deflected">0<' in html
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        resp = client_for(org.analyst).get(report_url)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="total-deflected">1<' in html
    rows = html.split('id="deflection-entries"')[1]
    lights_row = rows.split("路燈不亮要怎麼報修？")[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in lights_row.split("</td>")[2:7]]
    assert cells == ["2", "1", "1", "0", "50.0%"]
    assert "道路坑洞多久會修補？" in rows
    # Outside the period: nothing.
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        empty = client_for(org.analyst).get("/reports/faq/?start=2026-05-01&end=2026-05-31").content.decode()
    assert "此期間沒有由信箱開啟的常見問題" in empty
    # The report is for supervisors, analysts and administrators, and in their menu.
    assert client_for(org.officer).get(report_url).status_code == 403
    assert 'href="/reports/faq/"' in client_for(org.analyst).get("/reports/").content.decode()
    assert client_for(org.analyst).get("/reports/faq/?start=2026-05-01&end=2026-04-01").status_code == 400


def test_a_letter_without_opening_the_faq_leaves_no_record(org):
    c = Client()
    assert c.post("/mailbox/", letter(org)).status_code == 302
    assert not MailboxVisit.objects.exists()
