"""Digests: one overdue list per supervisor each working day, one summary per department each week.

Both are idempotent per period through the outbox's `dedupe_key`
(``digest:overdue:<date>:<user>`` and ``digest:weekly:<iso week>:<department>:<user>``), and
wait for office hours like every staff message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case, State
from casesys.notifications.services import notify_staff, notify_staff_group
from casesys.org.models import Role
from casesys.reminders.directory import StaffDirectory
from casesys.workcal.calendar import TAIPEI, WorkCalendar, local_date

DIGEST_LIST_LIMIT = 50


@dataclass
class DigestResult:
    recipients: int = 0
    notifications: int = 0
    skipped: str = ""


def overdue_digests_send(*, now: dt.datetime | None = None) -> DigestResult:
    now = now or timezone.now()
    calendar = WorkCalendar.load()
    today = local_date(now)
    if not calendar.is_working_day(today):
        return DigestResult(skipped="not a working day")
    directory = StaffDirectory.load()
    supervisors = [m for m in directory.members if Role.SUPERVISOR in m.roles]
    # One query over the open-overdue partial index; grouped per supervisor in memory.
    overdue = list(
        Case.objects.filter(OPEN_Q, due_at__lt=now, department__isnull=False)
        .select_related("department", "assignee")
        .order_by("due_at")
    )
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    result = DigestResult()
    with transaction.atomic():
        for member in supervisors:
            mine = [c for c in overdue if c.department.path.startswith(member.path)]
            if not mine:
                continue
            context = {
                "date": f"{today:%Y-%m-%d}",
                "count": len(mine),
                "more": max(len(mine) - DIGEST_LIST_LIMIT, 0),
                "cases": [
                    {
                        "number": c.number,
                        "subject": c.subject[:60],
                        "due": f"{timezone.localtime(c.due_at):%Y-%m-%d}",
                        "department": c.department.name,
                        "department_en": c.department.name_en or c.department.name,
                        "assignee": (c.assignee.get_full_name() or c.assignee.get_username()) if c.assignee else "",
                    }
                    for c in mine[:DIGEST_LIST_LIMIT]
                ],
                "list_url": f"{base_url}/reports/overdue/",
            }
            row = notify_staff(
                user=member.user,
                template="digest_overdue",
                context=context,
                dedupe_key=f"digest:overdue:{today:%Y-%m-%d}",
                calendar=calendar,
                now=now,
            )
            result.recipients += 1
            result.notifications += row is not None
    return result


def weekly_summaries_send(*, now: dt.datetime | None = None) -> DigestResult:
    """Last ISO week (Monday–Sunday) per department that has its own supervisor(s)."""
    now = now or timezone.now()
    calendar = WorkCalendar.load()
    today = local_date(now)
    this_monday = today - dt.timedelta(days=today.weekday())
    start, end = this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=TAIPEI)
    end_at = dt.datetime.combine(this_monday, dt.time.min, tzinfo=TAIPEI)
    iso_year, iso_week, _ = start.isocalendar()
    directory = StaffDirectory.load()
    heads: dict[int, list] = {}
    for member in directory.members:
        if Role.SUPERVISOR in member.roles:
            heads.setdefault(member.department_id, []).append(member.user)
    if not heads:
        return DigestResult()
    # Four grouped queries for the whole organisation, rolled up along the tree in memory.
    received = dict(
        Case.objects.filter(received_at__gte=start_at, received_at__lt=end_at, department__isnull=False)
        .values_list("department").annotate(n=Count("id"))
    )
    closed_rows = (
        Case.objects.filter(state=State.CLOSED, closed_at__gte=start_at, closed_at__lt=end_at, department__isnull=False)
        .values("department")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
    )
    closed = {r["department"]: (r["n"], r["on_time"]) for r in closed_rows}
    open_rows = (
        Case.objects.filter(OPEN_Q, department__isnull=False)
        .values("department")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    )
    opened = {r["department"]: (r["n"], r["overdue"]) for r in open_rows}
    result = DigestResult()
    with transaction.atomic():
        for dept_id, users in heads.items():
            root = directory.departments[dept_id]
            ids = [d.pk for d in directory.departments.values() if d.path.startswith(root.path)]
            n_received = sum(received.get(i, 0) for i in ids)
            n_closed = sum(closed.get(i, (0, 0))[0] for i in ids)
            n_on_time = sum(closed.get(i, (0, 0))[1] for i in ids)
            n_open = sum(opened.get(i, (0, 0))[0] for i in ids)
            n_overdue = sum(opened.get(i, (0, 0))[1] for i in ids)
            context = {
                "department": root.name,
                "department_en": root.name_en or root.name,
                "start": f"{start:%Y-%m-%d}",
                "end": f"{end:%Y-%m-%d}",
                "received": n_received,
                "closed": n_closed,
                "on_time": n_on_time,
                "on_time_rate": f"{n_on_time / n_closed:.0%}" if n_closed else "—",
                "open": n_open,
                "overdue": n_overdue,
            }
            recipients, queued = notify_staff_group(
                users=users,
                template="summary_weekly",
                context=context,
                dedupe_key=f"digest:weekly:{iso_year}-W{iso_week:02d}:{dept_id}",
                calendar=calendar,
                now=now,
            )
            result.recipients += recipients
            result.notifications += queued
    return result
