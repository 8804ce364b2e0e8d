from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casesys.workcal.calendar import WorkCalendar
from casesys.workcal.services import calendar_override_delete, office_close

pytestmark = pytest.mark.django_db

TYPHOON_DAY = dt.date(2026, 11, 26)  # a Thursday


def test_recent_calendar_serves_lists_without_a_query():
    first = WorkCalendar.recent()
    with CaptureQueriesContext(connection) as queries:
        again = WorkCalendar.recent()
    assert again is first and len(queries) == 0


def test_recent_calendar_sees_a_typhoon_closure_at_once_in_the_process_that_declared_it():
    assert WorkCalendar.recent().is_working_day(TYPHOON_DAY)

    office_close(day=TYPHOON_DAY, reason="颱風停班")
    assert not WorkCalendar.recent().is_working_day(TYPHOON_DAY)

    calendar_override_delete(day=TYPHOON_DAY)
    assert WorkCalendar.recent().is_working_day(TYPHOON_DAY)


def test_recent_calendar_is_reloaded_after_its_time(monkeypatch):
    first = WorkCalendar.recent()
    assert WorkCalendar.recent(max_age=0) is not None
    with CaptureQueriesContext(connection) as queries:
        WorkCalendar.recent(max_age=0)
    assert len(queries) == 1
    # Same overrides: the reload reuses the snapshot and its computed years.
    assert WorkCalendar.recent(max_age=0) is first


def test_load_reuses_the_snapshot_only_while_the_overrides_are_the_same():
    before = WorkCalendar.load()
    assert WorkCalendar.load() is before
    office_close(day=TYPHOON_DAY, reason="颱風停班")
    after = WorkCalendar.load()
    assert after is not before and not after.is_working_day(TYPHOON_DAY)
