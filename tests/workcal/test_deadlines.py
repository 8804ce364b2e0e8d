from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casesys.cases.deadlines import compute_due
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case, CaseEvent
from casesys.workcal.calendar import WorkCalendar
from casesys.workcal.models import CalendarOverride
from casesys.workcal.services import calendar_override_delete, import_dgpa_calendar, office_close
from tests.factories import new_case

TPE = ZoneInfo("Asia/Taipei")
# Copies of ../shared/samples/calendar (DGPA format), so the suite runs from any checkout.
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "calendar"


def due(received: dt.datetime, unit: str, value: int) -> dt.datetime:
    return compute_due(received_at=received, unit=unit, value=value, calendar=WorkCalendar.load())


@pytest.mark.django_db
def test_six_working_days_skip_lunar_new_year_and_peace_memorial_day():
    got = due(dt.datetime(2026, 2, 13, 10, 0, tzinfo=TPE), "working_days", 6)
    assert got == dt.datetime(2026, 3, 3, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_one_working_day_before_new_year_break_is_due_after_it():
    got = due(dt.datetime(2025, 1, 24, 16, 30, tzinfo=TPE), "working_days", 1)
    assert got == dt.datetime(2025, 2, 3, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_make_up_saturday_counts_as_working_day():
    calendar = WorkCalendar.load()
    assert calendar.is_working_day(dt.date(2025, 2, 8))
    # Received Friday 2025-02-07: the make-up Saturday is the first working day after it.
    assert due(dt.datetime(2025, 2, 7, 9, 0, tzinfo=TPE), "working_days", 1).date() == dt.date(2025, 2, 8)


@pytest.mark.django_db
def test_receipt_day_itself_is_not_counted_even_on_weekend():
    # Received Sunday: Monday is the first working day.
    assert due(dt.datetime(2026, 11, 22, 9, 0, tzinfo=TPE), "working_days", 1).date() == dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_hours_rule_runs_from_the_receipt_time():
    received = dt.datetime(2026, 11, 21, 22, 15, tzinfo=TPE)
    assert due(received, "hours", 24) == received + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_calendar_days_end_at_end_of_day():
    got = due(dt.datetime(2026, 11, 20, 8, 0, tzinfo=TPE), "calendar_days", 3)
    assert got == dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_dgpa_import_stores_days_that_differ_and_is_idempotent():
    data = (SAMPLES / "office-calendar-2025.csv").read_bytes()
    stats = import_dgpa_calendar(data=data)
    assert stats["rows"] == 365
    again = import_dgpa_calendar(data=data)
    assert again["overrides"] == 0
    calendar = WorkCalendar.load()
    assert calendar.is_working_day(dt.date(2025, 2, 8))
    assert not calendar.is_working_day(dt.date(2025, 1, 27))


@pytest.mark.django_db
def test_dgpa_import_override_beats_the_package():
    # A year the package does not know yet: the published calendar declares a make-up Saturday.
    csv = "西元日期,星期,是否放假,備註\n20261128,六,0,補行上班\n20261127,五,2,調整放假\n".encode("utf-8-sig")
    import_dgpa_calendar(data=csv)
    calendar = WorkCalendar.load()
    assert calendar.is_working_day(dt.date(2026, 11, 28))
    assert not calendar.is_working_day(dt.date(2026, 11, 27))
    assert calendar.reason(dt.date(2026, 11, 28)) == "補行上班"


@pytest.mark.django_db
def test_dgpa_import_reports_bad_rows_with_line_numbers_and_imports_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("西元日期,星期,是否放假,備註\n20261128,六,0,補行上班\n2026-13-01,?,0,\n20261129,日,5,\n", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("import_dgpa_calendar", str(bad))
    assert "第 3 行" in str(err.value) and "第 4 行" in str(err.value)
    assert not CalendarOverride.objects.exists()


@pytest.mark.django_db
def test_import_dgpa_calendar_command_reads_the_official_format(capsys):
    call_command("import_dgpa_calendar", str(SAMPLES / "office-calendar-2026.csv"))
    assert "365" in capsys.readouterr().out


@pytest.mark.django_db
def test_typhoon_closure_moves_open_case_one_working_day_and_audits_it(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))  # Monday
    case, _ = new_case(org)
    assert case.due_at == dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=TPE)
    call_command("close_office", "2026-11-25", "--reason", "颱風停班")
    case.refresh_from_db()
    assert case.due_at == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=TPE)
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.DUE_RECOMPUTED)
    assert "颱風停班" in event.note and event.public
    # Undoing the closure moves it back, again audited.
    assert calendar_override_delete(day=dt.date(2026, 11, 25)) == 1
    case.refresh_from_db()
    assert case.due_at == dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_closure_outside_a_cases_window_leaves_it_alone(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case, _ = new_case(org)
    _, moved = office_close(day=dt.date(2026, 12, 10), reason="颱風停班")
    assert moved == 0
    case.refresh_from_db()
    assert case.due_at.date() == dt.date(2026, 12, 1)
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.DUE_RECOMPUTED).exists()


@pytest.mark.django_db
def test_closed_cases_are_not_recomputed(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case, _ = new_case(org)
    Case.objects.filter(pk=case.pk).update(state="closed")
    _, moved = office_close(day=dt.date(2026, 11, 25), reason="颱風停班")
    assert moved == 0


@pytest.mark.django_db
def test_close_office_rejects_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("close_office", "25/11/2026")


# --- 行政程序法 §48 ④: calendar-day periods ending on a rest day ---------------------------


@pytest.mark.django_db
def test_calendar_days_ending_on_a_saturday_end_on_the_next_working_day():
    # Wednesday + 3 calendar days = Saturday 28 November: the period ends Monday 30 November.
    got = due(dt.datetime(2026, 11, 25, 10, 0, tzinfo=TPE), "calendar_days", 3)
    assert got == dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_calendar_days_ending_on_a_holiday_skip_it_and_the_weekend_after():
    # Monday 21 December + 4 = Friday 25 December (行憲紀念日), then Saturday and Sunday.
    got = due(dt.datetime(2026, 12, 21, 9, 0, tzinfo=TPE), "calendar_days", 4)
    assert got == dt.datetime(2026, 12, 28, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_calendar_days_ending_on_a_declared_closure_move_to_the_next_working_day():
    office_close(day=dt.date(2026, 11, 26), reason="颱風停班")
    got = due(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE), "calendar_days", 3)
    assert got == dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_calendar_days_ending_on_a_make_up_saturday_end_that_day():
    # 2025-02-08 was a make-up working Saturday (補行上班): not a rest day.
    got = due(dt.datetime(2025, 2, 5, 9, 0, tzinfo=TPE), "calendar_days", 3)
    assert got == dt.datetime(2025, 2, 8, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_extension_adds_working_days_after_the_moved_calendar_day_deadline():
    got = compute_due(
        received_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=TPE),
        unit="calendar_days",
        value=3,
        calendar=WorkCalendar.load(),
        extension_days=2,
    )
    # Base: Monday 30 November (Saturday moved); two working days on top: Wednesday.
    assert got == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=TPE)
