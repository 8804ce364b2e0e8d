"""Deadline arithmetic on the Taiwan working-day calendar.

- working_days N: end (23:59:59 Asia/Taipei) of the N-th working day after the receipt
  date; the receipt day itself is not counted.
- calendar_days N: end of the N-th calendar day after the receipt date; when that day is a
  weekend, a holiday or a closure day, the end of the next working day (行政程序法 §48 ④).
- hours N: the receipt time plus N hours (the calendar never moves it).
Approved extensions add working days on top of the base deadline.

Which rule a case gets (`deadline_rule`): the channel's rule for its category when one is
configured (else the channel's any-category rule, else the category's own); an urgency
above 普通件 replaces it only when it gives an earlier deadline for that receipt time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from casesys.cases.models import Case, Category, ChannelDeadlineRule, SlaUnit, Urgency
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date


def base_rule(*, category: Category, channel: str | None = None) -> tuple[str, int]:
    """The rule before urgency: the channel's rule for this category, else the channel's
    any-category rule, else the category's own."""
    if channel:
        rules = {
            r.category_id: r
            for r in ChannelDeadlineRule.objects.filter(channel=channel).filter(
                Q(category=category) | Q(category__isnull=True)
            )
        }
        rule = rules.get(category.pk) or rules.get(None)
        if rule is not None:
            return rule.sla_unit, rule.sla_value
    return category.sla_unit, category.sla_value


def deadline_rule(
    *,
    category: Category,
    urgency: Urgency | None,
    channel: str | None = None,
    received_at: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[str, int]:
    """The (unit, value) frozen on a new case: the stricter of the base rule and the urgency's.

    Units differ (4 hours vs 3 working days vs 10 calendar days), so the two rules are
    compared by the deadline each gives for this receipt time; on a tie the base rule stays.
    An urgency may shorten a deadline, never lengthen it: a 4-hour pothole marked 速件
    (3 working days) is still due in 4 hours."""
    unit, value = base_rule(category=category, channel=channel)
    if urgency is None or urgency.code == Urgency.NORMAL:
        return unit, value
    received_at = received_at or timezone.now()
    calendar = calendar or WorkCalendar.load()
    base_due = compute_due(received_at=received_at, unit=unit, value=value, calendar=calendar)
    urgent_due = compute_due(received_at=received_at, unit=urgency.sla_unit, value=urgency.sla_value, calendar=calendar)
    if urgent_due < base_due:
        return urgency.sla_unit, urgency.sla_value
    return unit, value


def compute_due(
    *, received_at: dt.datetime, unit: str, value: int, calendar: WorkCalendar, extension_days: int = 0
) -> dt.datetime:
    if unit == SlaUnit.HOURS:
        base = received_at + dt.timedelta(hours=value)
    elif unit == SlaUnit.CALENDAR_DAYS:
        base = end_of_day(period_end(local_date(received_at) + dt.timedelta(days=value), calendar))
    elif unit == SlaUnit.WORKING_DAYS:
        base = end_of_day(calendar.add_working_days(local_date(received_at), value))
    else:
        raise ValueError(f"unknown deadline unit {unit!r}")
    if extension_days:
        base = end_of_day(calendar.add_working_days(local_date(base), extension_days))
    return base


def period_end(last_day: dt.date, calendar: WorkCalendar) -> dt.date:
    """行政程序法 §48 ④: a period whose last day is a rest day (weekend, holiday, declared
    closure) ends on the next working day."""
    day = last_day
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def compute_dispatch_due(
    *, received_at: dt.datetime, calendar: WorkCalendar, due_at: dt.datetime | None = None
) -> dt.datetime:
    """Dispatch (or reassignment to the right agency) by the end of the next working day
    after `received_at`, and never after the case itself is due (`due_at`): a 4-hour
    pothole must be dispatched within those 4 hours."""
    dispatch = end_of_day(calendar.next_working_day(local_date(received_at)))
    if due_at is not None and due_at < dispatch:
        return due_at
    return dispatch


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


# --- co-handling (主辦 / 協辦): the multi-department rule ------------------------------------


def multi_department_allowance() -> tuple[str, int]:
    return SlaUnit.WORKING_DAYS, int(settings.CASESYS.get("MULTI_DEPARTMENT_WORKING_DAYS", 10))


def multi_department_rule(case: Case, *, calendar: WorkCalendar) -> tuple[str, int]:
    """The rule of a case handled by several departments (New Taipei: 10 working days
    instead of 6), stricter rule wins as at intake:

    - the allowance (`CASESYS_MULTI_DEPARTMENT_WORKING_DAYS`) replaces the case's base rule
      when it gives a later deadline — it is an allowance, it never shortens a longer rule;
    - an hour rule (field work such as a pothole) is kept: co-handling does not make urgent
      field work wait;
    - an urgency above 普通件 still wins when it gives an earlier deadline than the result.

    Compared by the deadline each gives from the case's `deadline_start`."""
    start = case.deadline_start
    current = (case.sla_unit, case.sla_value)
    base = base_rule(category=case.category, channel=case.channel)
    if base[0] == SlaUnit.HOURS or current[0] == SlaUnit.HOURS:
        return current
    allowance = multi_department_allowance()

    def due(rule: tuple[str, int]) -> dt.datetime:
        return compute_due(received_at=start, unit=rule[0], value=rule[1], calendar=calendar)

    rule = allowance if due(allowance) > due(base) else base
    urgency = case.urgency
    if urgency is not None and urgency.code != Urgency.NORMAL:
        urgent = (urgency.sla_unit, urgency.sla_value)
        if due(urgent) < due(rule):
            rule = urgent
    return rule
