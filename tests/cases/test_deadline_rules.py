"""Which deadline a new case gets, as the intake API reports it, and how calendar changes
move it: the stricter of category (or channel) rule and urgency, dispatch never after the
case, calendar-day periods under 行政程序法 §48 ④."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from casesys.cases import services
from casesys.cases.deadlines import deadline_rule
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case, CaseEvent, Category, ChannelDeadlineRule, SlaUnit, Urgency
from casesys.workcal.services import office_close
from tests.factories import CategoryFactory, new_case

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=TPE)
CASES = "/api/v1/cases/"


def at(*args: int) -> str:
    """The API's rendering of a Taipei wall-clock time."""
    return dt.datetime(*args, tzinfo=TPE).isoformat()


def intake(org, *, when: dt.datetime = MONDAY_10, **fields) -> dict:
    """POST /api/v1/cases/ as the intake clerk with the clock frozen at `when`."""
    body = {
        "channel": "web",
        "category": "GEN-MAILBOX",
        "subject": "中正路坑洞",
        "description": "中正路100號前有大坑洞，機車易摔。",
        "petitioner": {"name": "王小明", "phone": "0912345678"},
    }
    body.update(fields)
    client = APIClient()
    client.force_authenticate(org.intake)
    with time_machine.travel(when, tick=False):
        r = client.post(CASES, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def frozen_rule(number: str) -> tuple[str, int]:
    case = Case.objects.get(number=number)
    return case.sla_unit, case.sla_value


@pytest.fixture
def four_hour_pothole(org) -> Category:
    org.pothole.sla_value = 4
    org.pothole.save()
    return org.pothole


# --- the stricter rule wins -------------------------------------------------------------


def test_urgent_pothole_stays_due_in_four_hours(org, four_hour_pothole):
    out = intake(org, channel="phone", category="ROAD-POTHOLE", urgency="urgent")
    assert out["due_at"] == at(2026, 11, 23, 14, 0)
    assert frozen_rule(out["number"]) == ("hours", 4)


def test_most_urgent_mailbox_letter_is_due_the_next_working_day(org):
    # 6 working days (category) against 最速件 1 working day: the urgency shortens it.
    out = intake(org, urgency="most_urgent")
    assert out["due_at"] == at(2026, 11, 24, 23, 59, 59)
    assert frozen_rule(out["number"]) == ("working_days", 1)


def test_normal_urgency_keeps_the_category_rule(org):
    CategoryFactory(code="MULTI-AGENCY", sla_value=10)
    out = intake(org, category="MULTI-AGENCY", urgency="normal")
    assert out["due_at"] == at(2026, 12, 7, 23, 59, 59)
    assert frozen_rule(out["number"]) == ("working_days", 10)


def test_rules_in_different_units_are_compared_by_the_deadline_they_give(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    CategoryFactory(code="PARK-10CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=10)
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TPE)
    # 3 calendar days from Friday: Monday 23rd; 速件 3 working days: Wednesday 25th. The category wins.
    short = intake(org, when=friday, category="PARK-3CD", urgency="urgent")
    assert short["due_at"] == at(2026, 11, 23, 23, 59, 59)
    assert frozen_rule(short["number"]) == ("calendar_days", 3)
    # 10 calendar days: Monday 30th; 速件: Wednesday 25th. The urgency wins and is frozen.
    long = intake(org, when=friday, category="PARK-10CD", urgency="urgent")
    assert long["due_at"] == at(2026, 11, 25, 23, 59, 59)
    assert frozen_rule(long["number"]) == ("working_days", 3)


def test_deadline_rule_keeps_its_old_call_shape(org, four_hour_pothole):
    urgent = Urgency.objects.get(code="urgent")
    assert deadline_rule(category=four_hour_pothole, urgency=urgent) == ("hours", 4)
    assert deadline_rule(category=org.mailbox, urgency=urgent) == ("working_days", 3)


# --- per-channel rules ----------------------------------------------------------------------


def test_channel_rule_for_the_category_replaces_the_category_rule(org):
    ChannelDeadlineRule.objects.create(category=org.pothole, channel="phone", sla_unit="hours", sla_value=4)
    by_phone = intake(org, channel="phone", category="ROAD-POTHOLE")
    assert by_phone["due_at"] == at(2026, 11, 23, 14, 0)
    by_web = intake(org, channel="web", category="ROAD-POTHOLE")
    assert by_web["due_at"] == at(2026, 11, 24, 10, 0)


def test_any_category_channel_rule_applies_unless_the_category_has_its_own(org):
    ChannelDeadlineRule.objects.create(category=None, channel="line", sla_unit="working_days", sla_value=3)
    ChannelDeadlineRule.objects.create(category=org.lights, channel="line", sla_unit="working_days", sla_value=1)
    mailbox = intake(org, channel="line", category="GEN-MAILBOX")
    assert mailbox["due_at"] == at(2026, 11, 26, 23, 59, 59)
    lights = intake(org, channel="line", category="LIGHT-OUT")
    assert lights["due_at"] == at(2026, 11, 24, 23, 59, 59)
    # Another channel keeps the category's 6 working days.
    assert intake(org, channel="email", category="GEN-MAILBOX")["due_at"] == at(2026, 12, 1, 23, 59, 59)


def test_urgency_may_only_shorten_a_channel_rule(org):
    ChannelDeadlineRule.objects.create(category=org.pothole, channel="phone", sla_unit="hours", sla_value=4)
    ChannelDeadlineRule.objects.create(category=None, channel="letter", sla_unit="working_days", sla_value=10)
    pothole = intake(org, channel="phone", category="ROAD-POTHOLE", urgency="most_urgent")
    assert pothole["due_at"] == at(2026, 11, 23, 14, 0)
    letter = intake(org, channel="letter", category="GEN-MAILBOX", urgency="most_urgent")
    assert letter["due_at"] == at(2026, 11, 24, 23, 59, 59)
    assert frozen_rule(letter["number"]) == ("working_days", 1)


# --- dispatch is never due after the case ---------------------------------------------------


def test_four_hour_case_must_be_dispatched_within_its_four_hours(org, four_hour_pothole):
    out = intake(org, channel="phone", category="ROAD-POTHOLE")
    assert out["dispatch_due_at"] == out["due_at"] == at(2026, 11, 23, 14, 0)


def test_working_day_case_is_dispatched_by_the_end_of_the_next_working_day(org):
    friday = dt.datetime(2026, 11, 20, 16, 0, tzinfo=TPE)
    out = intake(org, when=friday)
    assert out["dispatch_due_at"] == at(2026, 11, 23, 23, 59, 59)
    assert out["due_at"] == at(2026, 11, 30, 23, 59, 59)


def test_returned_to_intake_hour_case_keeps_dispatch_within_its_deadline(org):
    with time_machine.travel(MONDAY_10, tick=False):
        case, _ = new_case(org, category=org.pothole)  # 24 hours, routed to the road section
        services.case_accept(case=case, by=org.officer)
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=2), tick=False):
        services.case_return_to_intake(case=case, reason="非本科業務 / not ours", by=org.officer)
        client = APIClient()
        client.force_authenticate(org.intake)
        detail = client.get(f"{CASES}{case.number}/").json()
    assert detail["state"] == "received"
    assert detail["dispatch_due_at"] == detail["due_at"] == at(2026, 11, 24, 10, 0)


# --- calendar changes -------------------------------------------------------------------------


def test_closure_on_the_last_calendar_day_moves_the_deadline_and_tells_the_citizen(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, category="PARK-3CD")
    assert out["due_at"] == at(2026, 11, 26, 23, 59, 59)
    password = out["password"]
    with time_machine.travel(dt.datetime(2026, 11, 25, 18, 0, tzinfo=TPE), tick=False):
        call_command("close_office", "2026-11-26", "--reason", "颱風停班")
        r = APIClient().post("/api/v1/track/", {"number": out["number"], "password": password}, format="json")
    body = r.json()
    assert body["due_at"] == at(2026, 11, 27, 23, 59, 59)
    assert body["timeline"][-1]["text"] == (
        "因辦公日曆異動，處理期限調整為 2026-11-27 / Deadline moved to 2026-11-27 after a calendar change"
    )


def test_closure_inside_a_calendar_day_window_does_not_move_it(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, category="PARK-3CD")
    _, moved = office_close(day=dt.date(2026, 11, 25), reason="颱風停班")
    assert moved == 0
    assert Case.objects.get(number=out["number"]).due_at == dt.datetime(2026, 11, 26, 23, 59, 59, tzinfo=TPE)


def test_closure_on_the_monday_a_weekend_deadline_moved_to_moves_it_again(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, when=dt.datetime(2026, 11, 25, 10, 0, tzinfo=TPE), category="PARK-3CD")
    assert out["due_at"] == at(2026, 11, 30, 23, 59, 59)
    office_close(day=dt.date(2026, 11, 30), reason="颱風停班")
    assert Case.objects.get(number=out["number"]).due_at == dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=TPE)


def test_dgpa_make_up_saturday_brings_a_calendar_day_deadline_back(org):
    from casesys.workcal.services import import_dgpa_calendar

    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, when=dt.datetime(2026, 11, 25, 10, 0, tzinfo=TPE), category="PARK-3CD")
    import_dgpa_calendar(data="西元日期,星期,是否放假,備註\n20261128,六,0,補行上班\n".encode())
    assert Case.objects.get(number=out["number"]).due_at == dt.datetime(2026, 11, 28, 23, 59, 59, tzinfo=TPE)


def test_closure_does_not_move_an_hour_deadline(org, four_hour_pothole):
    out = intake(org, channel="phone", category="ROAD-POTHOLE")
    _, moved = office_close(day=dt.date(2026, 11, 23), reason="颱風停班")
    assert moved == 0
    case = Case.objects.get(number=out["number"])
    assert case.due_at == dt.datetime(2026, 11, 23, 14, 0, tzinfo=TPE)
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.DUE_RECOMPUTED).exists()


def test_closure_moves_the_dispatch_deadline_of_a_long_hour_case_but_not_its_deadline(org):
    CategoryFactory(code="TREE-120H", sla_unit=SlaUnit.HOURS, sla_value=120)  # no department: stays with intake
    out = intake(org, category="TREE-120H")
    assert out["dispatch_due_at"] == at(2026, 11, 24, 23, 59, 59)
    office_close(day=dt.date(2026, 11, 24), reason="颱風停班")
    case = Case.objects.get(number=out["number"])
    assert case.dispatch_due_at == dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=TPE)
    assert case.due_at == dt.datetime(2026, 11, 28, 10, 0, tzinfo=TPE)
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.DUE_RECOMPUTED).exists()


def test_recomputation_counts_from_the_reopening(org):
    # Received in October, reopened Monday 7 December (set as the reopening service does).
    with time_machine.travel(dt.datetime(2026, 10, 5, 10, 0, tzinfo=TPE), tick=False):
        case, _ = new_case(org)
    reopened = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TPE)
    Case.objects.filter(pk=case.pk).update(
        state="in_progress", clock_started_at=reopened, due_at=dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=TPE)
    )
    office_close(day=dt.date(2026, 12, 9), reason="颱風停班")
    assert Case.objects.get(pk=case.pk).due_at == dt.datetime(2026, 12, 16, 23, 59, 59, tzinfo=TPE)


def test_closure_declared_after_the_scan_marked_a_case_late_clears_the_mark(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, category="PARK-3CD")
    case = Case.objects.get(number=out["number"])
    # The scan saw it past its deadline (end of Thursday 26 November) during the night.
    Case.objects.filter(pk=case.pk).update(missed_due_at=case.due_at)
    client = APIClient()
    client.force_authenticate(org.admin)
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 0, tzinfo=TPE), tick=False):
        # Thursday's typhoon closure, recorded the next morning: the period ends on Friday.
        office_close(day=dt.date(2026, 11, 26), reason="颱風停班")
        detail = client.get(f"{CASES}{out['number']}/").json()
    assert detail["due_at"] == at(2026, 11, 27, 23, 59, 59)
    assert detail["missed_due_at"] is None


def test_closure_that_moves_a_missed_deadline_still_in_the_past_keeps_the_case_late(org):
    CategoryFactory(code="PARK-3CD", sla_unit=SlaUnit.CALENDAR_DAYS, sla_value=3)
    out = intake(org, category="PARK-3CD")
    case = Case.objects.get(number=out["number"])
    Case.objects.filter(pk=case.pk).update(missed_due_at=case.due_at)
    client = APIClient()
    client.force_authenticate(org.admin)
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=TPE), tick=False):
        office_close(day=dt.date(2026, 11, 26), reason="颱風停班")
        detail = client.get(f"{CASES}{out['number']}/").json()
    assert detail["due_at"] == at(2026, 11, 27, 23, 59, 59)
    assert detail["missed_due_at"] == at(2026, 11, 27, 23, 59, 59)
