"""Deadline arithmetic on the Taiwan working-day calendar.

- working_days N: end (23:59:59 Asia/Taipei) of the N-th working day after the receipt
  date; the receipt day itself is not counted.
- calendar_days N: end of the N-th calendar day after the receipt date.
- hours N: the receipt time plus N hours.
Approved extensions add working days on top of the base deadline.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from casesys.cases.models import Case, Category, SlaUnit, Urgency
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date


def deadline_rule(*, category: Category, urgency: Urgency) -> tuple[str, int]:
    # An urgency above 普通件 overrides the category's own rule.
    if urgency.code != Urgency.NORMAL:
        return urgency.sla_unit, urgency.sla_value
    return category.sla_unit, category.sla_value


def compute_due(
    *, received_at: dt.datetime, unit: str, value: int, calendar: WorkCalendar, extension_days: int = 0
) -> dt.datetime:
    if unit == SlaUnit.HOURS:
        base = received_at + dt.timedelta(hours=value)
    elif unit == SlaUnit.CALENDAR_DAYS:
        base = end_of_day(local_date(received_at) + dt.timedelta(days=value))
    elif unit == SlaUnit.WORKING_DAYS:
        base = end_of_day(calendar.add_working_days(local_date(received_at), value))
    else:
        raise ValueError(f"unknown deadline unit {unit!r}")
    if extension_days:
        base = end_of_day(calendar.add_working_days(local_date(base), extension_days))
    return base


def compute_dispatch_due(*, received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    # Dispatch (or reassignment to the right agency) by the end of the next working day.
    return end_of_day(calendar.next_working_day(local_date(received_at)))


def transfer_due(*, received_at: dt.datetime, site_visit: bool, calendar: WorkCalendar) -> dt.datetime:
    """移文 deadline: the end of the next working day after receipt, or of the second one when a
    site visit had to establish which agency is competent."""
    return end_of_day(calendar.add_working_days(local_date(received_at), 2 if site_visit else 1))


def max_due(received_at: dt.datetime) -> dt.datetime:
    days = settings.CASESYS["MAX_CASE_CALENDAR_DAYS"]
    return end_of_day(local_date(received_at) + dt.timedelta(days=days))


def case_due(case: Case, calendar: WorkCalendar, *, extension_days: int | None = None) -> dt.datetime:
    """The case's deadline under its frozen rule, counted from `deadline_start` (the receipt,
    or the latest reopening)."""
    return compute_due(
        received_at=case.deadline_start,
        unit=case.sla_unit,
        value=case.sla_value,
        calendar=calendar,
        extension_days=case.extension_days if extension_days is None else extension_days,
    )


def working_days_left(due_at: dt.datetime, calendar: WorkCalendar, *, now: dt.datetime) -> int:
    """Working days from today until the due date (0 = due today, negative = overdue by)."""
    return calendar.working_days_between(local_date(now), local_date(due_at))
