"""Reminders and escalations per co-handling part, exactly once per (part, rule, level, due
date), like the case reminders (casesys.reminders.services), from the same rules.

The active `EscalationRule` rows apply to parts as they apply to cases, against the part's
own sub-deadline, officer and department:

- `due_in` N / `overdue` N: the part's sub-deadline (a part waiting for approval is past its
  officer's hands: only `overdue` counts it);
- `not_accepted` N: requested and not accepted N working days after the request;
- `approval_waiting` N: the part reply waits for approval for N working days.

Recipients resolve as for a case whose department is the co-handling department and whose
officer is the part's officer, so "department supervisor" is the co-handler's supervisor.
Messages wait for office hours (`next_office_time`), and a `PartReminder` key inserted in
the same transaction as the message guarantees a second scan sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casesys.cohandling.models import CasePart, PartReminder, PartState
from casesys.cohandling.services import parts_stamp_missed_deadlines
from casesys.notifications.officehours import next_office_time
from casesys.notifications.services import notify_staff_bulk, staff_dedupe_key
from casesys.reminders.models import EscalationRule, Trigger
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date

logger = logging.getLogger(__name__)

LIVE = (PartState.REQUESTED, PartState.IN_PROGRESS, PartState.PENDING_APPROVAL)


@dataclass(slots=True)
class _PartAsCase:
    """What the staff directory reads from a case, taken from the part."""

    department_id: int
    assignee_id: int | None
    assignee: object
    replied_by_id: int | None


def part_rule_due_for(rule: EscalationRule, part: CasePart, *, now: dt.datetime, calendar: WorkCalendar):
    today = local_date(now)
    if rule.trigger == Trigger.DUE_IN:
        if now > part.due_at or part.state == PartState.PENDING_APPROVAL:
            return None
        left = calendar.working_days_between(today, local_date(part.due_at))
        return part.due_at if left == rule.days else None
    if rule.trigger == Trigger.OVERDUE:
        if now <= part.due_at:
            return None
        late = calendar.working_days_between(local_date(part.due_at), today)
        return part.due_at if late >= rule.days else None
    if rule.trigger == Trigger.NOT_ACCEPTED:
        if part.state != PartState.REQUESTED:
            return None
        limit = end_of_day(calendar.add_working_days(local_date(part.requested_at), rule.days))
        return limit if now > limit else None
    if rule.trigger == Trigger.APPROVAL_WAITING:
        if part.state != PartState.PENDING_APPROVAL or part.reply_submitted_at is None:
            return None
        limit = end_of_day(calendar.add_working_days(local_date(part.reply_submitted_at), rule.days))
        return limit if now > limit else None
    return None


def _fmt(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def parts_scan(
    *, now: dt.datetime | None = None, calendar: WorkCalendar | None = None, directory=None, rules=None
) -> int:
    """One pass over the open parts; returns the number of new reminders. Called by the
    deadline scan with what it already loaded (rules, calendar, staff directory): two more
    statements per scan when no part is due."""
    from casesys.reminders.directory import StaffDirectory

    now = now or timezone.now()
    parts_stamp_missed_deadlines(now=now)
    rules = [
        r
        for r in (EscalationRule.objects.filter(active=True) if rules is None else rules)
        if r.trigger in (Trigger.DUE_IN, Trigger.OVERDUE, Trigger.NOT_ACCEPTED, Trigger.APPROVAL_WAITING)
    ]
    if not rules:
        return 0
    calendar = calendar or WorkCalendar.load()
    directory = directory or StaffDirectory.load()
    send_at = next_office_time(now, calendar)
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    # Open parts are few next to cases (a partial index on their due date exists for when they
    # are not); the case must still be open for anyone to act on the part.
    parts = (
        CasePart.objects.filter(state__in=LIVE, case__state__in=["dispatched", "in_progress", "pending_approval"])
        .select_related("case", "department", "officer")
        .order_by("pk")
    )
    created = 0
    for part in parts:
        for rule in rules:
            due_for = part_rule_due_for(rule, part, now=now, calendar=calendar)
            if due_for is None:
                continue
            view = _PartAsCase(part.department_id, part.officer_id, part.officer, part.replied_by_id)
            users = directory.resolve_all(rule.recipients, view)
            try:
                with transaction.atomic():
                    reminder = PartReminder.objects.create(
                        part=part, kind=rule.code, level=rule.level, due_for=due_for,
                        recipients=[u.pk for u in users], created_at=now,
                    )
                    zh, _sep, en = rule.name.partition(" / ")
                    context = {
                        "number": part.case.number,
                        "subject": part.case.subject,
                        "department": part.department.name,
                        "department_en": part.department.name_en or part.department.name,
                        "due": _fmt(part.due_at),
                        "rule": zh,
                        "rule_en": en or zh,
                        "level": rule.level,
                        "assignee": (part.officer.first_name or part.officer.username) if part.officer else "",
                        "case_url": f"{base_url}/desk/cases/{part.case.number}/",
                    }
                    notify_staff_bulk(
                        rows=[
                            {
                                "template": "reminder_part",
                                "context": context,
                                "recipient_user_id": u.pk,
                                "case_id": part.case_id,
                                "dedupe_key": staff_dedupe_key(f"part-reminder:{reminder.pk}", u.pk),
                            }
                            for u in users
                        ],
                        send_at=send_at,
                        now=now,
                    )
            except IntegrityError:
                continue  # this key was sent already (or by a concurrent scan): exactly once
            created += 1
    if created:
        logger.info("part scan: %s new reminders", created)
    return created
