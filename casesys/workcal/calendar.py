"""The Taiwan working-day calendar: `holidays` (TW, public category) plus overrides.

`WorkCalendar` is a snapshot: build one per request or per batch (one query for the
overrides) and ask it as many questions as needed. It is never changed after it is built,
so `load()` hands back the previous snapshot, with its per-year tables already computed,
while the overrides read are the same.
"""

from __future__ import annotations

import datetime as dt
import time
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


@lru_cache(maxsize=256)
def _package_year_flags(year: int) -> tuple[bool, ...]:
    """Working-day flag for every day of `year` per the package (static, cached per process)."""
    cal = _package_calendar(year)
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    return tuple(cal.is_working_day(start + dt.timedelta(days=i)) for i in range(days))


# The overrides last read and the snapshot built from them (see the module docstring).
_last_loaded: tuple[tuple, WorkCalendar] | None = None
# WorkCalendar.recent(): (monotonic time loaded, snapshot).
_recent: tuple[float, WorkCalendar] | None = None
RECENT_SECONDS = 30.0


def forget_recent(**_signal_kwargs) -> None:
    """Drop this process's recent snapshot (connected to CalendarOverride saves/deletes)."""
    globals()["_recent"] = None


@dataclass
class WorkCalendar:
    overrides: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)
    # Per-year flags with overrides applied, and running counts of working days, so that
    # counting the working days between two dates ten years apart is two look-ups.
    _flags: dict[int, list[bool]] = field(default_factory=dict, repr=False)
    _cumulative: dict[int, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, *, using: str = "default") -> WorkCalendar:
        """`using`: the database alias to read the overrides from. Reports pass the one their
        cases come from (the read replica when configured), so days overdue are counted with
        the calendar their deadlines were computed with."""
        from casesys.workcal.models import CalendarOverride

        rows = tuple(
            CalendarOverride.objects.using(using).order_by("date").values_list("date", "is_working_day", "reason")
        )
        last = _last_loaded
        if last is not None and last[0] == rows:
            return last[1]
        calendar = cls({d: (w, r) for d, w, r in rows})
        globals()["_last_loaded"] = (rows, calendar)
        return calendar

    @classmethod
    def recent(cls, max_age: float = RECENT_SECONDS) -> WorkCalendar:
        """For read-only displays (a list's "working days left"): the snapshot this process
        loaded within `max_age` seconds, without a query. A change to the overrides clears
        it in the process that made it; other processes show it within `max_age`. Deadlines
        themselves are always computed from `load()`."""
        last = _recent
        now = time.monotonic()
        if last is not None and now - last[0] < max_age:
            return last[1]
        calendar = cls.load()
        globals()["_recent"] = (now, calendar)
        return calendar

    def _year(self, year: int) -> tuple[list[bool], list[int]]:
        flags = self._flags.get(year)
        if flags is None:
            flags = list(_package_year_flags(year))
            for day, (working, _reason) in self.overrides.items():
                if day.year == year:
                    flags[day.timetuple().tm_yday - 1] = working
            running, total = [], 0
            for flag in flags:
                total += flag
                running.append(total)
            self._flags[year] = flags
            self._cumulative[year] = running
        return flags, self._cumulative[year]

    def is_working_day(self, day: dt.date) -> bool:
        return self._year(day.year)[0][day.timetuple().tm_yday - 1]

    def _count_through(self, day: dt.date, epoch_year: int) -> int:
        """Working days from 1 January of `epoch_year` through `day`, inclusive."""
        total = sum(self._year(y)[1][-1] for y in range(epoch_year, day.year))
        return total + self._year(day.year)[1][day.timetuple().tm_yday - 1]

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
        epoch = start.year
        return sign * (self._count_through(end, epoch) - self._count_through(start, epoch))

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
