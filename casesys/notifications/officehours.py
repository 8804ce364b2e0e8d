"""Office hours: people are messaged only on working days between the configured times.

`CASESYS_OFFICE_HOURS` ("08:30-17:30", Asia/Taipei by default) and the working-day
calendar (`WorkCalendar`: holidays, make-up Saturdays, typhoon closures) decide. Detection
runs around the clock; what it finds is queued with `next_attempt_at` at the next opening.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from casesys.workcal.calendar import WorkCalendar


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.CASESYS_NOTIFICATIONS.get("OFFICE_TIMEZONE") or settings.TIME_ZONE)


def office_hours() -> tuple[dt.time, dt.time]:
    spec = settings.CASESYS_NOTIFICATIONS["OFFICE_HOURS"]
    try:
        start_s, end_s = (part.strip() for part in spec.split("-"))
        start, end = dt.time.fromisoformat(start_s), dt.time.fromisoformat(end_s)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CASESYS_OFFICE_HOURS={spec!r} must look like 08:30-17:30") from exc
    if not start < end:
        raise ImproperlyConfigured(f"CASESYS_OFFICE_HOURS={spec!r}: the start must be before the end")
    return start, end


def is_office_time(moment: dt.datetime, calendar: WorkCalendar) -> bool:
    local = moment.astimezone(_tz())
    start, end = office_hours()
    return calendar.is_working_day(local.date()) and start <= local.time() < end


def next_office_time(moment: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """`moment` itself when the office is open, else the next opening."""
    if is_office_time(moment, calendar):
        return moment
    tz = _tz()
    local = moment.astimezone(tz)
    start, _end = office_hours()
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < start):
        day = calendar.next_working_day(day)
    return dt.datetime.combine(day, start, tzinfo=tz)


def add_office_hours(start: dt.datetime, hours: float, calendar: WorkCalendar) -> dt.datetime:
    """The moment `hours` office hours after `start`: only time inside office hours on working
    days counts (a lead at 16:30 on Friday with 4 hours is due at 11:30 on the next working
    day, with `CASESYS_OFFICE_HOURS` 08:30-17:30). `start` outside office hours counts from
    the next opening."""
    if hours < 0:
        raise ValueError("hours must be >= 0")
    tz = _tz()
    open_at, close_at = office_hours()
    remaining = dt.timedelta(hours=hours)
    current = next_office_time(start, calendar).astimezone(tz)
    while True:
        closing = dt.datetime.combine(current.date(), close_at, tzinfo=tz)
        available = closing - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = dt.datetime.combine(calendar.next_working_day(current.date()), open_at, tzinfo=tz)
