"""The leads' response clock (輿情): first-triage deadlines in office hours, the leads page
sorted by them, and reminders to the triagers, each once."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from casesys.inbound.models import Lead, LeadReminder
from casesys.inbound.services import lead_convert, lead_dismiss, lead_record
from casesys.notifications.models import Notification
from casesys.notifications.officehours import add_office_hours
from casesys.notifications.services import notifications_deliver_due
from casesys.social.clock import lead_clock_scan
from casesys.workcal.calendar import WorkCalendar

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
# Thursday 9 October 2025, 16:00: Friday 10 October is National Day (國慶日), then a weekend.
THURSDAY_4PM = dt.datetime(2025, 10, 9, 16, 0, tzinfo=TPE)


def _lead(external_id: str, *, source: str = "feed", at: dt.datetime = THURSDAY_4PM, **fields) -> Lead:
    with time_machine.travel(at, tick=False):
        lead, created = lead_record(source=source, external_id=external_id, text=fields.pop("text", "路燈不亮"), **fields)
    assert created
    return lead


def test_four_office_hours_run_across_a_holiday_and_a_weekend(org):
    lead = _lead("f1", title="中山路路燈連三晚不亮")

    # 16:00–17:30 on Thursday (1.5 h), National Day and the weekend do not count, then
    # 08:30–11:00 on Monday (2.5 h).
    assert lead.triage_due_at == dt.datetime(2025, 10, 13, 11, 0, tzinfo=TPE)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (dt.datetime(2025, 10, 11, 23, 0, tzinfo=TPE), 4, dt.datetime(2025, 10, 13, 12, 30, tzinfo=TPE)),
        (dt.datetime(2025, 10, 13, 7, 0, tzinfo=TPE), 9, dt.datetime(2025, 10, 13, 17, 30, tzinfo=TPE)),
        (dt.datetime(2025, 10, 13, 17, 29, tzinfo=TPE), 1, dt.datetime(2025, 10, 14, 9, 29, tzinfo=TPE)),
    ],
)
def test_office_hours_arithmetic(db, start, hours, due):
    assert add_office_hours(start, hours, WorkCalendar.load()) == due


def test_each_source_may_have_its_own_triage_hours(org, settings):
    settings.CASESYS_CHANNELS = {
        **settings.CASESYS_CHANNELS,
        "feed": {**settings.CASESYS_CHANNELS["feed"], "triage_hours": 2},
    }
    news = _lead("f1", source="feed")
    chat = _lead("l1", source="line", sender_id="U1")

    assert news.triage_due_at == dt.datetime(2025, 10, 13, 9, 0, tzinfo=TPE)  # 1.5 h Thursday, 0.5 h Monday
    assert chat.triage_due_at == dt.datetime(2025, 10, 13, 11, 0, tzinfo=TPE)  # the default, 4


def test_the_first_triage_is_recorded_against_the_deadline(org):
    early = _lead("f1", title="路燈不亮")
    late = _lead("f2", title="垃圾未清")

    with time_machine.travel(dt.datetime(2025, 10, 13, 10, 30, tzinfo=TPE), tick=False):
        lead_convert(lead=early, by=org.intake, category=org.lights)
    with time_machine.travel(dt.datetime(2025, 10, 13, 11, 1, tzinfo=TPE), tick=False):
        lead_dismiss(lead=late, by=org.intake, reason="非本府權責")

    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.status, early.triaged_on_time) == ("converted", True)
    assert (late.status, late.triaged_on_time) == ("dismissed", False)
    assert late.decided_at == dt.datetime(2025, 10, 13, 11, 1, tzinfo=TPE)


def _texts_in_order(html: str, *needles: str) -> list[int]:
    return [html.index(n) for n in needles]


def test_the_leads_page_lists_untriaged_leads_by_deadline_and_says_which_are_overdue(org, client_for):
    later = _lead("f1", title="較晚到期的線索", at=dt.datetime(2025, 10, 13, 9, 0, tzinfo=TPE))  # due 13:00
    overdue = _lead("f2", title="已逾期的線索", at=THURSDAY_4PM)  # due Monday 11:00
    soon = _lead("f3", title="即將到期的線索", at=dt.datetime(2025, 10, 13, 8, 40, tzinfo=TPE))  # due 12:40
    old = Lead.objects.create(source="feed", external_id="f0", title="時鐘之前的線索", text="…")  # no deadline

    with time_machine.travel(dt.datetime(2025, 10, 13, 12, 0, tzinfo=TPE), tick=False):
        html = client_for(org.intake).get("/desk/leads/").content.decode()

    positions = _texts_in_order(html, overdue.title, soon.title, later.title, old.title)
    assert positions == sorted(positions)
    overdue_card = html[html.index(f'id="lead-{overdue.pk}"') : html.index(f'id="lead-{soon.pk}"')]
    # Said in words, not only in colour.
    assert "分類期限" in overdue_card and "2025-10-13 11:00" in overdue_card and "已逾期" in overdue_card
    soon_card = html[html.index(f'id="lead-{soon.pk}"') : html.index(f'id="lead-{later.pk}"')]
    assert "2025-10-13 12:40" in soon_card and "已逾期" not in soon_card


def test_the_leads_page_in_english_says_overdue(org, client_for):
    _lead("f2", title="Lights out", at=THURSDAY_4PM)
    client = client_for(org.intake)
    client.cookies["django_language"] = "en"

    with time_machine.travel(dt.datetime(2025, 10, 13, 12, 0, tzinfo=TPE), tick=False):
        html = client.get("/desk/leads/").content.decode()

    assert "Leads triage" in html
    assert "Triage due" in html and "Overdue" in html and "已逾期" not in html


def test_decided_leads_show_when_they_were_first_triaged(org, client_for):
    lead = _lead("f1", title="已處理的線索")
    with time_machine.travel(dt.datetime(2025, 10, 13, 10, 0, tzinfo=TPE), tick=False):
        lead_dismiss(lead=lead, by=org.intake, reason="重複")
        html = client_for(org.intake).get("/desk/leads/?status=dismissed").content.decode()

    card = html[html.index(f'id="lead-{lead.pk}"') :]
    assert "首次分類" in card and "2025-10-13 10:00" in card and "依限" in card


def test_triagers_are_reminded_before_the_deadline_and_when_overdue_once_each(org):
    org.intake.email = "intake@example.invalid"
    org.intake.save()
    lead = _lead("f1", title="中山路路燈連三晚不亮")  # due Monday 11:00
    dismissed = _lead("f2", title="不處理的線索")
    with time_machine.travel(dt.datetime(2025, 10, 13, 9, 0, tzinfo=TPE), tick=False):
        lead_dismiss(lead=dismissed, by=org.intake, reason="非本府權責")

    early = dt.datetime(2025, 10, 13, 9, 30, tzinfo=TPE)
    assert lead_clock_scan(now=early).reminders == 0

    soon = dt.datetime(2025, 10, 13, 10, 15, tzinfo=TPE)
    assert lead_clock_scan(now=soon).reminders == 1
    assert lead_clock_scan(now=soon + dt.timedelta(minutes=5)).reminders == 0

    late = dt.datetime(2025, 10, 13, 11, 5, tzinfo=TPE)
    assert lead_clock_scan(now=late).by_kind == {"overdue": 1}
    assert lead_clock_scan(now=late + dt.timedelta(minutes=5)).reminders == 0

    assert list(LeadReminder.objects.filter(lead=lead).order_by("created_at").values_list("kind", flat=True)) == [
        "due_soon", "overdue",
    ]
    assert not LeadReminder.objects.filter(lead=dismissed).exists()
    rows = Notification.objects.filter(recipient_user=org.intake, template__startswith="lead_triage")
    assert sorted(rows.values_list("template", flat=True)) == ["lead_triage_due_soon", "lead_triage_overdue"]
    # Nobody else triages leads.
    assert not Notification.objects.filter(template__startswith="lead_triage").exclude(recipient_user=org.intake).exists()

    notifications_deliver_due(now=late)
    notifications_deliver_due(now=late)
    subjects = [m.subject for m in mail.outbox if m.to == ["intake@example.invalid"]]
    assert sorted(subjects) == sorted([
        f"[線索分類] 已逾期：新聞與 PTT 線索 #{lead.pk}",
        f"[線索分類] 即將到期：新聞與 PTT 線索 #{lead.pk}",
    ])
    overdue_mail = next(m for m in mail.outbox if "已逾期" in m.subject)
    assert "中山路路燈連三晚不亮" in overdue_mail.body and "2025-10-13 11:00" in overdue_mail.body
    assert re.search(r"/desk/leads/", overdue_mail.body)


def test_a_lead_first_seen_overdue_gets_only_the_overdue_reminder(org):
    lead = _lead("f1")
    lead_clock_scan(now=dt.datetime(2025, 10, 14, 9, 0, tzinfo=TPE))

    assert list(LeadReminder.objects.filter(lead=lead).values_list("kind", flat=True)) == ["overdue"]


def test_reminders_wait_for_office_hours(org):
    lead = _lead("f1")
    Lead.objects.filter(pk=lead.pk).update(triage_due_at=dt.datetime(2025, 10, 13, 20, 0, tzinfo=TPE))
    night = dt.datetime(2025, 10, 13, 21, 0, tzinfo=TPE)

    lead_clock_scan(now=night)

    row = Notification.objects.get(template="lead_triage_overdue")
    assert row.office_hours_only and row.next_attempt_at == dt.datetime(2025, 10, 14, 8, 30, tzinfo=TPE)


def test_the_leads_api_gives_the_triage_deadline(org):
    from rest_framework.test import APIClient

    lead = _lead("f1", title="中山路路燈連三晚不亮")
    client = APIClient()
    client.force_authenticate(org.intake)

    [row] = client.get("/api/v1/leads/").json()["results"]

    assert row["id"] == lead.pk
    assert dt.datetime.fromisoformat(row["triage_due_at"]) == dt.datetime(2025, 10, 13, 11, 0, tzinfo=TPE)
    assert row["triaged_on_time"] is None


def test_without_intake_staff_the_administrators_are_reminded(org):
    org.intake.is_active = False
    org.intake.save()
    _lead("f1")

    lead_clock_scan(now=dt.datetime(2025, 10, 14, 9, 0, tzinfo=TPE))

    assert list(Notification.objects.filter(template="lead_triage_overdue").values_list("recipient_user", flat=True)) == [
        org.admin.pk
    ]
