"""Calendar upkeep: imported years are recorded, and from 1 November administrators are told
(daily notice, `calendar_status`) while next year's office calendar is missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from casesys.env import env_month_day
from casesys.notifications.models import Notification
from casesys.workcal.calendar import TAIPEI
from casesys.workcal.models import CalendarOverride, CalendarYear
from casesys.workcal.services import CalendarImportError, import_dgpa_calendar
from casesys.workcal.upkeep import calendar_warning_notify
from workers.schedule import DEFAULT_SCHEDULE

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "calendar"
NOV_2_0900 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)
ONE_DAY_2027 = "西元日期,星期,是否放假,備註\n20270104,一,0,\n".encode()


# --- imported years ---------------------------------------------------------------------------


def test_import_that_changes_no_day_still_records_the_year(capsys):
    path = SAMPLES / "office-calendar-2026.csv"
    import_dgpa_calendar(data=path.read_bytes())
    CalendarYear.objects.all().delete()
    overrides_before = list(CalendarOverride.objects.values_list("date", "is_working_day", "reason"))
    with time_machine.travel(NOV_2_0900, tick=False):
        call_command("import_dgpa_calendar", str(path))
    assert "0 筆例外" in capsys.readouterr().out  # nothing changed…
    assert list(CalendarOverride.objects.values_list("date", "is_working_day", "reason")) == overrides_before
    year = CalendarYear.objects.get()  # …and yet 2026 counts as imported
    assert (year.year, year.source, year.days, year.imported_at) == (2026, "office-calendar-2026.csv", 365, NOV_2_0900)


def test_each_year_in_the_file_is_recorded_with_its_own_day_count(org):
    csv = "西元日期,星期,是否放假,備註\n20261231,四,0,\n20270101,五,2,開國紀念日\n20270102,六,2,\n".encode()
    with time_machine.travel(NOV_2_0900, tick=False):
        import_dgpa_calendar(data=csv, source="mixed.csv", by=org.admin)
    assert list(CalendarYear.objects.values_list("year", "days", "source", "imported_by")) == [
        (2026, 1, "mixed.csv", org.admin.pk),
        (2027, 2, "mixed.csv", org.admin.pk),
    ]
    # A later import of the same year updates the record.
    import_dgpa_calendar(data=ONE_DAY_2027, source="office-calendar-2027.csv")
    assert CalendarYear.objects.get(year=2027).source == "office-calendar-2027.csv"


def test_a_rejected_file_records_no_year():
    with pytest.raises(CalendarImportError):
        import_dgpa_calendar(data="西元日期,星期,是否放假,備註\n20270104,一,7,\n".encode(), source="bad.csv")
    assert not CalendarYear.objects.exists()


# --- the daily notice ---------------------------------------------------------------------------


def test_daily_notice_reaches_every_administrator_once_a_day(org):
    first = calendar_warning_notify(now=NOV_2_0900)
    assert (first.year, first.recipients, first.notifications) == (2027, 1, 1)
    notice = Notification.objects.get(recipient_user=org.admin, template="calendar_missing")
    assert notice.subject == "尚未匯入 2027 年辦公日曆"
    assert "manage.py import_dgpa_calendar office-calendar-2027.csv" in notice.body
    assert "2027 年的補行上班日未知" in notice.body and "make-up workdays" not in notice.body
    # Again the same day (beat restarted, task retried): nothing new.
    assert calendar_warning_notify(now=NOV_2_0900 + dt.timedelta(hours=6)).notifications == 0
    # The next day: one more.
    assert calendar_warning_notify(now=NOV_2_0900 + dt.timedelta(days=1)).notifications == 1
    assert Notification.objects.filter(template="calendar_missing", channel="inapp").count() == 2
    # Nobody but administrators.
    assert not Notification.objects.filter(template="calendar_missing").exclude(recipient_user=org.admin).exists()


def test_no_notice_before_the_warning_date_nor_once_next_year_is_imported(org):
    assert calendar_warning_notify(now=dt.datetime(2026, 10, 31, 9, 0, tzinfo=TAIPEI)).skipped
    import_dgpa_calendar(data=ONE_DAY_2027, source="office-calendar-2027.csv")
    assert calendar_warning_notify(now=NOV_2_0900).skipped
    assert not Notification.objects.filter(template="calendar_missing").exists()


def test_warning_date_is_configurable(org, settings):
    settings.CASESYS = {**settings.CASESYS, "CALENDAR_WARN_FROM": (12, 15)}
    assert calendar_warning_notify(now=dt.datetime(2026, 12, 14, 9, 0, tzinfo=TAIPEI)).skipped
    assert calendar_warning_notify(now=dt.datetime(2026, 12, 15, 9, 0, tzinfo=TAIPEI)).notifications == 1


def test_the_daily_task_is_scheduled_and_sends_the_notice(org):
    from casesys.workcal.tasks import warn_missing_calendar

    entry = next(e for e in DEFAULT_SCHEDULE if e["task"] == "casesys.workcal.tasks.warn_missing_calendar")
    assert entry["crontab"].split()[2:] == ["*", "*", "*"]  # every day
    with time_machine.travel(NOV_2_0900, tick=False):
        assert warn_missing_calendar()["notifications"] == 1


@pytest.mark.parametrize("value", ["11-31", "1101", "november", "13-01", "11-01-2026"])
def test_malformed_warning_date_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("CASESYS_CALENDAR_WARN_FROM", value)
    with pytest.raises(ImproperlyConfigured, match="CASESYS_CALENDAR_WARN_FROM"):
        env_month_day("CASESYS_CALENDAR_WARN_FROM", "11-01")


def test_warning_date_defaults_to_the_first_of_november(monkeypatch):
    monkeypatch.delenv("CASESYS_CALENDAR_WARN_FROM", raising=False)
    assert env_month_day("CASESYS_CALENDAR_WARN_FROM", "11-01") == (11, 1)
    monkeypatch.setenv("CASESYS_CALENDAR_WARN_FROM", "10-15")
    assert env_month_day("CASESYS_CALENDAR_WARN_FROM", "11-01") == (10, 15)


# --- manage.py calendar_status ------------------------------------------------------------------


def test_calendar_status_lists_imported_years_and_flags_the_missing_ones(capsys):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=TAIPEI), tick=False):
        import_dgpa_calendar(data=(SAMPLES / "office-calendar-2025.csv").read_bytes(), source="office-calendar-2025.csv")
    with time_machine.travel(NOV_2_0900, tick=False):
        call_command("calendar_status")
    lines = capsys.readouterr().out.splitlines()
    assert "2025  office-calendar-2025.csv  2026-03-02 10:00  365" in lines
    assert any(line.startswith("2026  未匯入 / NOT IMPORTED (今年 / current year)") for line in lines)
    assert any(line.startswith("2027  未匯入 / NOT IMPORTED (明年 / next year)") for line in lines)
    assert "The 2027 office calendar (DGPA) has not been imported" in lines[-1]


def test_calendar_status_when_both_years_are_covered(capsys):
    with time_machine.travel(NOV_2_0900, tick=False):
        import_dgpa_calendar(data=(SAMPLES / "office-calendar-2026.csv").read_bytes(), source="office-calendar-2026.csv")
        import_dgpa_calendar(data=ONE_DAY_2027, source="office-calendar-2027.csv")
        call_command("calendar_status")
    out = capsys.readouterr().out
    assert "2026  office-calendar-2026.csv  2026-11-02 09:00  365  (今年 / current year)" in out
    assert "2027  office-calendar-2027.csv  2026-11-02 09:00  1  (明年 / next year)" in out
    assert "NOT IMPORTED" not in out and "has not been imported" not in out
