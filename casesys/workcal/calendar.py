"""The Taiwan working-day calendar: `holidays` (TW, public category) plus overrides.

`WorkCalendar` is a snapshot: build one per request or per batch (one query for the
overrides) and ask it as many questions as needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import PUBLIC

TAIPEI = ZoneInfo("Asia/Taipei")
END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=64)
def _package_calendar(year: int) -> holidays.HolidayBase:
    # Only the PUBLIC category: WORKDAY lists commemorative days that are not days off.
    return holidays.TW(years=year, categories=(PUBLIC,), language="zh_TW")


def package_is_working_day(day: dt.date) -> bool:
    return _package_calendar(day.year).is_working_day(day)


def package_holiday_name(day: dt.date) -> str:
    return _package_calendar(day.year).get(day) or ""


@dataclass
class WorkCalendar:
    overrides: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> WorkCalendar:
        from casesys.workcal.models import CalendarOverride

        rows = CalendarOverride.objects.values_list("date", "is_working_day", "reason")
        return cls({d: (w, r) for d, w, r in rows})

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day][0]
        return package_is_working_day(day)

    def reason(self, day: dt.date) -> str:
        if day in self.overrides:
            return self.overrides[day][1]
        name = package_holiday_name(day)
        if name:
            return name
        if day.weekday() >= 5 and package_is_working_day(day):
            return "補行上班"
        return ""

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself is not counted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        counted = 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def next_working_day(self, start: dt.date) -> dt.date:
        return self.add_working_days(start, 1)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count

    def days(self, year: int) -> list[dict]:
        day = dt.date(year, 1, 1)
        out = []
        while day.year == year:
            out.append({"date": day, "is_working_day": self.is_working_day(day), "reason": self.reason(day)})
            day += dt.timedelta(days=1)
        return out


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TAIPEI).date()


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=TAIPEI)
