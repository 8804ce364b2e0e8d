"""The deadline scan: reminders and escalations, exactly once per (case, rule, level, due date).

Per batch of candidate cases (keyset pagination on id, a fixed number of queries whatever the
batch size): read the cases, evaluate the active rules in memory, insert the reminder keys
with ``INSERT … ON CONFLICT DO NOTHING RETURNING`` and queue notifications only for the keys
this scan actually inserted — all in one transaction. A concurrent scan inserting the same
key waits on the unique index and gets nothing back, so it sends nothing.

Candidates come from partial indexes on open cases only (``case_open_due``,
``case_open_state_recv``), so the cost does not grow with the closed archive.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from casesys.cases.models import OPEN_Q, Case, State
from casesys.notifications.models import Notification
from casesys.notifications.officehours import next_office_time
from casesys.notifications.services import rendered_preview, staff_targets
from casesys.reminders.directory import StaffDirectory
from casesys.reminders.models import EscalationRule, Reminder, Trigger
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date

logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    batches: int = 0
    cases: int = 0
    reminders: int = 0
    notifications: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass
class Hit:
    case: Case
    rule: EscalationRule
    due_for: dt.datetime
    users: list


def _fmt(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


# --- rule evaluation (pure, in memory) -----------------------------------------------------


def rule_due_for(rule: EscalationRule, case: Case, *, now: dt.datetime, calendar: WorkCalendar) -> dt.datetime | None:
    """The deadline this rule reminds about, when the rule applies to the case now."""
    today = local_date(now)
    if rule.trigger == Trigger.DUE_IN:
        if now > case.due_at:
            return None
        left = calendar.working_days_between(today, local_date(case.due_at))
        return case.due_at if left == rule.days else None
    if rule.trigger == Trigger.OVERDUE:
        if now <= case.due_at:
            return None
        late = calendar.working_days_between(local_date(case.due_at), today)
        return case.due_at if late >= rule.days else None
    if rule.trigger == Trigger.NOT_DISPATCHED:
        if case.state != State.RECEIVED:
            return None
        limit = case.dispatch_due_at
        if rule.days:
            limit = end_of_day(calendar.add_working_days(local_date(limit), rule.days))
        return case.dispatch_due_at if now > limit else None
    if rule.trigger == Trigger.NOT_ACCEPTED:
        if case.state != State.DISPATCHED or case.dispatched_at is None:
            return None
        limit = end_of_day(calendar.add_working_days(local_date(case.dispatched_at), rule.days))
        return limit if now > limit else None
    if rule.trigger == Trigger.APPROVAL_WAITING:
        if case.state != State.PENDING_APPROVAL or case.reply_submitted_at is None:
            return None
        limit = end_of_day(calendar.add_working_days(local_date(case.reply_submitted_at), rule.days))
        return limit if now > limit else None
    return None


def candidate_q(rules: list[EscalationRule], *, now: dt.datetime, calendar: WorkCalendar) -> Q:
    """A superset of the cases any rule could match, expressed on indexed columns."""
    today = local_date(now)
    q = Q(pk__in=[])
    due_in = [r.days for r in rules if r.trigger == Trigger.DUE_IN]
    if due_in:
        # Up to the day before the (N+1)-th working day: a deadline on the weekend after
        # the N-th working day is still "N working days left".
        horizon_day = calendar.add_working_days(today, max(due_in) + 1) - dt.timedelta(days=1)
        q |= Q(due_at__lte=end_of_day(horizon_day))
    elif any(r.trigger == Trigger.OVERDUE for r in rules):
        q |= Q(due_at__lt=now)
    if any(r.trigger == Trigger.NOT_DISPATCHED for r in rules):
        q |= Q(state=State.RECEIVED, dispatch_due_at__lt=now)
    # N working days span at least N calendar days: a safe lower bound the index can use.
    accept_days = [r.days for r in rules if r.trigger == Trigger.NOT_ACCEPTED]
    if accept_days:
        q |= Q(state=State.DISPATCHED, dispatched_at__lt=now - dt.timedelta(days=min(accept_days)))
    approval_days = [r.days for r in rules if r.trigger == Trigger.APPROVAL_WAITING]
    if approval_days:
        q |= Q(state=State.PENDING_APPROVAL, reply_submitted_at__lt=now - dt.timedelta(days=min(approval_days)))
    return q


def candidates(rules: list[EscalationRule], *, now: dt.datetime, calendar: WorkCalendar):
    return Case.objects.filter(OPEN_Q).filter(candidate_q(rules, now=now, calendar=calendar))


# --- the scan --------------------------------------------------------------------------------


def deadlines_scan(*, now: dt.datetime | None = None, batch_size: int | None = None) -> ScanResult:
    now = now or timezone.now()
    batch_size = batch_size or settings.CASESYS_REMINDERS["BATCH"]
    result = ScanResult()
    rules = list(EscalationRule.objects.filter(active=True))
    if not rules:
        return result
    calendar = WorkCalendar.load()
    directory = StaffDirectory.load()
    send_at = next_office_time(now, calendar)
    # The candidate ids first, in one query over the partial open-case indexes (a few
    # thousand integers); then each batch reads its cases by primary key. Walking the primary
    # key with the rule filter instead made every batch scan far into the archive.
    ids = list(candidates(rules, now=now, calendar=calendar).order_by("pk").values_list("pk", flat=True))
    # Each batch re-applies the rule filter: a case closed since the id query drops out.
    base = (
        candidates(rules, now=now, calendar=calendar)
        .select_related("assignee")
        .defer("description", "reply", "survey_comment")
        .order_by("pk")
    )
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic():
            batch = list(base.filter(pk__in=chunk))
            if not batch:
                continue
            result.batches += 1
            result.cases += len(batch)
            hits = []
            for case in batch:
                for rule in rules:
                    due_for = rule_due_for(rule, case, now=now, calendar=calendar)
                    if due_for is not None:
                        hits.append(Hit(case, rule, due_for, directory.resolve_all(rule.recipients, case)))
            inserted = _insert_reminders(hits, now=now)
            rows = _notifications_for(inserted, directory=directory, now=now, send_at=send_at)
            if rows:
                _store_notifications(rows)
            result.reminders += len(inserted)
            result.notifications += len(rows)
            for hit, _pk in inserted:
                result.by_kind[hit.rule.code] = result.by_kind.get(hit.rule.code, 0) + 1
    logger.info(
        "deadline scan: %s cases in %s batches, %s new reminders, %s notifications",
        result.cases,
        result.batches,
        result.reminders,
        result.notifications,
    )
    return result


def _store_notifications(rows: list[Notification]) -> None:
    """Write a batch of new outbox rows.

    Their dedupe keys contain the id of a reminder inserted in this very transaction, so
    they cannot conflict. On PostgreSQL they go in with COPY: `bulk_create` sends arrays
    whose every element the client-side binding quotes in Python, most of a scan's time.
    """
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Notification._meta.db_table)
    # psycopg adapts plain Python values itself; only JSON needs its wrapper.
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [Jsonb(getattr(row, f.attname)) if f.attname in json_fields else getattr(row, f.attname) for f in fields]
                )


def _insert_reminders(hits: list[Hit], *, now: dt.datetime) -> list[tuple[Hit, int]]:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING for the batch; the hits it inserted."""
    if not hits:
        return []
    table = Reminder._meta.db_table
    recipients_field = Reminder._meta.get_field("recipients")
    values_sql = []
    params: list = []
    for hit in hits:
        values_sql.append("(%s, %s, %s, %s, %s, %s, %s)")
        params += [
            hit.case.pk,
            hit.rule.code,
            hit.rule.level,
            hit.due_for,
            hit.rule.pk,
            recipients_field.get_db_prep_value([u.pk for u in hit.users], connection),
            now,
        ]
    sql = (
        f"INSERT INTO {table} (case_id, kind, level, due_for, rule_id, recipients, created_at) "
        f"VALUES {', '.join(values_sql)} "
        "ON CONFLICT (case_id, kind, level, due_for) DO NOTHING "
        "RETURNING id, case_id, kind, level"
    )
    # Datetimes through the field's own adaptation (time zone handling differs per backend).
    due_field = Reminder._meta.get_field("due_for")
    params = [
        due_field.get_db_prep_value(p, connection) if isinstance(p, dt.datetime) else p for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    by_key = {(h.case.pk, h.rule.code, h.rule.level): h for h in hits}
    return [(by_key[(case_id, kind, level)], pk) for pk, case_id, kind, level in returned]


def _notifications_for(
    inserted: list[tuple[Hit, int]], *, directory: StaffDirectory, now: dt.datetime, send_at: dt.datetime
) -> list[Notification]:
    rows: list[Notification] = []
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    for hit, reminder_pk in inserted:
        case = hit.case
        department = directory.departments.get(case.department_id)
        assignee = case.assignee
        context = {
            "number": case.number,
            "subject": case.subject,
            "due": _fmt(hit.due_for),
            "days": hit.rule.days,
            "level": hit.rule.level,
            "department": department.name if department else "（未分文 / not dispatched）",
            "assignee": (assignee.get_full_name() or assignee.get_username()) if assignee else "（未分派 / unassigned）",
            "submitted": _fmt(case.reply_submitted_at),
            "case_url": f"{base_url}/desk/cases/{case.number}/",
        }
        subject, body = rendered_preview(hit.rule.template, context)
        for user in hit.users:
            for channel, address in staff_targets(user):
                rows.append(
                    Notification(
                        channel=channel,
                        template=hit.rule.template,
                        context=context,
                        subject=subject,
                        body=body,
                        recipient_user=user,
                        recipient_address=address,
                        case=case,
                        dedupe_key=f"reminder:{reminder_pk}:{user.pk}:{channel}",
                        office_hours_only=True,
                        next_attempt_at=send_at,
                        created_at=now,
                    )
                )
    return rows
