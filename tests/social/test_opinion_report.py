"""The daily public-opinion report: an e-mail with an HTML body and an XLSX attachment."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from openpyxl import load_workbook

from casesys.inbound.models import KeywordRule
from casesys.inbound.services import lead_convert, lead_dismiss, lead_record
from casesys.notifications.models import Notification
from casesys.notifications.services import notifications_deliver_due
from casesys.social.models import LeadDigestSubscription
from casesys.social.report import opinion_report_send
from casesys.social.tasks import send_opinion_report

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
DAY = dt.date(2025, 11, 3)  # a Monday
NEXT_MORNING = dt.datetime(2025, 11, 4, 8, 0, tzinfo=TPE)
OFFICE = dt.datetime(2025, 11, 4, 9, 0, tzinfo=TPE)


def _day_of_leads(org):
    lights = KeywordRule.objects.create(phrase="路燈")
    garbage = KeywordRule.objects.create(phrase="垃圾")
    at_nine = dt.datetime(2025, 11, 3, 9, 0, tzinfo=TPE)  # due 13:00
    with time_machine.travel(at_nine, tick=False):
        converted, _ = lead_record(source="feed", external_id="f1", text="…", title="中山路路燈連三晚不亮", rule=lights,
                                   url="https://news.example.invalid/1")
        dismissed, _ = lead_record(source="feed", external_id="f2", text="…", title="市場垃圾堆積", rule=garbage)
        lead_record(source="facebook", external_id="c1", text="巷口路燈壞了，打0912345678找林先生", rule=lights,
                    sender_name="林先生")
        lead_record(source="line", external_id="l1", text="請問垃圾車幾點來", rule=garbage, sender_id="U1")
        lead_record(source="line", external_id="l2", text="@市府 #陳情 公園椅子壞了", reason="mention", sender_id="U2")
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0, tzinfo=TPE), tick=False):
        case = lead_convert(lead=converted, by=org.intake, category=org.lights).case  # 60 min, on time
    with time_machine.travel(dt.datetime(2025, 11, 3, 15, 0, tzinfo=TPE), tick=False):
        lead_dismiss(lead=dismissed, by=org.intake, reason="已有案件")  # 360 min, late
    with time_machine.travel(dt.datetime(2025, 11, 4, 9, 0, tzinfo=TPE), tick=False):
        lead_record(source="line", external_id="l3", text="隔天才來的線索", sender_id="U3")
    return case


def test_the_agency_head_gets_an_html_report_with_an_xlsx_of_the_same_figures(org):
    head = org.supervisor
    head.email = "head@example.invalid"
    head.save()
    LeadDigestSubscription.objects.create(user=head, daily_report=True)
    LeadDigestSubscription.objects.create(user=org.analyst)  # the digest only
    case = _day_of_leads(org)

    [row] = opinion_report_send(day=DAY, now=NEXT_MORNING)
    assert row.recipient_user == head and row.template == "opinion_report"
    notifications_deliver_due(now=OFFICE)
    notifications_deliver_due(now=OFFICE)

    [message] = [m for m in mail.outbox if m.to == ["head@example.invalid"] and m.attachments]
    assert message.subject == "[每日輿情報告] 2025-11-03 新增線索 5 則"
    # The text part says the essentials; the HTML part has the tables.
    assert "轉立案件 1 件" in message.body and "中位數 3:30" in message.body and "依限 1 則（50.0%）" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<td>新聞與 PTT</td><td style=\"text-align: right;\">2</td>" in html
    assert "<td>LINE</td><td style=\"text-align: right;\">2</td>" in html
    assert "<td>路燈</td><td style=\"text-align: right;\">2</td>" in html
    assert "<td>（無）</td><td style=\"text-align: right;\">1</td>" in html
    assert case.number in html and "3:30" in html
    # Masked like the digest: no phone number, no name.
    assert "0912345678" not in html and "林先生" not in html and "打09xx-xxx-678找○○○" in html

    [(filename, content, content_type)] = message.attachments
    assert filename == "opinion-report-2025-11-03.xlsx"
    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["摘要", "來源", "關鍵字", "重點線索", "轉立案件"]
    summary = {r[0]: r[1] for r in book["摘要"].iter_rows(min_row=2, values_only=True)}
    assert summary["新增線索"] == 5
    assert summary["轉立案件"] == 1
    assert summary["首次分類件數"] == 2
    assert summary["依限分類"] == 1
    assert summary["依限分類率"] == 50.0
    assert summary["首次分類時間中位數（分鐘）"] == 210.0
    assert [r for r in book["來源"].iter_rows(values_only=True)] == [
        ("來源", "件數"), ("新聞與 PTT", 2), ("LINE", 2), ("Facebook", 1),
    ]
    assert [r for r in book["關鍵字"].iter_rows(values_only=True)] == [
        ("關鍵字", "件數"), ("垃圾", 2), ("路燈", 2), ("（無）", 1),
    ]
    top = list(book["重點線索"].iter_rows(values_only=True))
    assert top[0][:3] == ("時間", "來源", "內容")
    assert top[1][1:3] == ("新聞與 PTT", "中山路路燈連三晚不亮") and top[1][5] == case.number  # converted first
    assert [r[:3] for r in book["轉立案件"].iter_rows(min_row=2, values_only=True)] == [
        (case.number, "新聞與 PTT", "中山路路燈連三晚不亮"),
    ]


def test_an_english_reader_gets_the_report_in_english(org):
    head = org.supervisor
    head.email = "head@example.invalid"
    head.save()
    head.staff.language = "en"
    head.staff.save()
    LeadDigestSubscription.objects.create(user=head, daily_report=True)
    _day_of_leads(org)

    opinion_report_send(day=DAY, now=NEXT_MORNING)
    notifications_deliver_due(now=OFFICE)
    notifications_deliver_due(now=OFFICE)

    [message] = [m for m in mail.outbox if m.to == ["head@example.invalid"] and m.attachments]
    assert message.subject == "[Daily opinion report] 2025-11-03: 5 new leads"
    [(html, _type)] = message.alternatives
    assert "<td>News and PTT feeds</td>" in html and "新聞" not in html
    book = load_workbook(io.BytesIO(message.attachments[0][1]))
    assert book.sheetnames == ["Summary", "By source", "By keyword", "Top items", "Turned into cases"]
    assert book["By source"]["A1"].value == "Source" and book["By source"]["A2"].value == "News and PTT feeds"
    assert book["Summary"]["A3"].value == "New leads" and book["Summary"]["B3"].value == 5


def test_one_report_per_recipient_and_day_waiting_for_office_hours(org):
    LeadDigestSubscription.objects.create(user=org.supervisor, daily_report=True)
    _day_of_leads(org)

    with time_machine.travel(NEXT_MORNING, tick=False):
        assert send_opinion_report(DAY.isoformat()) == 1
        assert send_opinion_report(DAY.isoformat()) == 0

    [row] = Notification.objects.filter(template="opinion_report")
    assert row.office_hours_only and row.next_attempt_at == dt.datetime(2025, 11, 4, 8, 30, tzinfo=TPE)


def test_the_subscriptions_sources_narrow_the_report(org):
    LeadDigestSubscription.objects.create(user=org.supervisor, daily_report=True, sources=["line"])
    _day_of_leads(org)

    [row] = opinion_report_send(day=DAY, now=NEXT_MORNING)

    assert row.context["total"] == 2 and [s["code"] for s in row.context["sources"]] == ["line"]
