"""The deadline scan: reminders and escalations, exactly once per (case, rule, level, due date).

The candidates are read once, as plain values (a few hundred bytes each). Then per batch, in
one transaction and with a fixed number of statements whatever the batch size: evaluate the
active rules in memory, insert the reminder keys with ``INSERT … ON CONFLICT DO NOTHING
RETURNING`` (only for cases still at the version read) and queue outbox rows only for the
keys this scan actually inserted. A concurrent scan inserting the same key waits on the
unique index and gets nothing back, so it sends nothing.

Candidates come from partial indexes on open cases only (``case_open_due``,
``case_open_state_recv``), so the cost does not grow with the closed archive.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case, State
from casesys.notifications.officehours import next_office_time
from casesys.notifications.services import notify_staff_bulk, staff_dedupe_key
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
    case: DueCase | Case
    rule: EscalationRule
    due_for: dt.datetime
    users: list


@functools.lru_cache(maxsize=4096)  # deadlines cluster on a few moments (end of a working day)
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

# Only what the rules, the recipients and the message need: plain tuples, no model instances
# (building a Case runs django-fsm's __init__ and was a third of a scan's time).
_CASE_COLUMNS = (
    "pk", "version", "number", "subject", "state", "department_id", "assignee_id", "due_at", "dispatch_due_at",
    "dispatched_at", "reply_submitted_at", "assignee__is_active", "assignee__email",
    "assignee__first_name", "assignee__last_name", "assignee__username", "replied_by_id",
)


@dataclass(slots=True)
class StaffRef:
    """The assignee as the scan needs them (duck-types the User fields the directory reads)."""

    pk: int
    is_active: bool
    email: str
    first_name: str
    last_name: str
    username: str

    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass(slots=True)
class DueCase:
    pk: int
    version: int
    number: str
    subject: str
    state: str
    department_id: int | None
    assignee_id: int | None
    due_at: dt.datetime
    dispatch_due_at: dt.datetime
    dispatched_at: dt.datetime | None
    reply_submitted_at: dt.datetime | None
    assignee: StaffRef | None
    replied_by_id: int | None = None  # four eyes: the approval reminder skips the drafter

    @classmethod
    def from_row(cls, row: tuple) -> DueCase:
        (pk, version, number, subject, state, department_id, assignee_id, due_at, dispatch_due_at, dispatched_at,
         reply_submitted_at, is_active, email, first_name, last_name, username, replied_by_id) = row
        assignee = StaffRef(assignee_id, is_active, email, first_name, last_name, username) if assignee_id else None
        return cls(pk, version, number, subject, state, department_id, assignee_id, due_at, dispatch_due_at,
                   dispatched_at, reply_submitted_at, assignee, replied_by_id)


def deadlines_scan(*, now: dt.datetime | None = None, batch_size: int | None = None) -> ScanResult:
    now = now or timezone.now()
    batch_size = batch_size or settings.CASESYS_REMINDERS["BATCH"]
    result = ScanResult()
    # The deadline a case misses is not stamped here: every decision that moves a deadline
    # stamps it first (casesys.cases.workflow.note_missed_deadline), so the scan writes
    # only reminders and messages (an UPDATE of every newly late case cost 1 ms a row).
    rules = list(EscalationRule.objects.filter(active=True))
    if not rules:
        return result
    calendar = WorkCalendar.load()
    directory = StaffDirectory.load()
    send_at = next_office_time(now, calendar)
    # Every candidate in one query over the partial open-case indexes (a few thousand rows of
    # plain values). A case that changes while the scan runs is caught by the insert itself,
    # which only takes a reminder whose case still has the version read here.
    due = [
        DueCase.from_row(row)
        for row in candidates(rules, now=now, calendar=calendar).order_by("pk").values_list(*_CASE_COLUMNS)
    ]
    outbox = _OutboxWriter(now=now, send_at=send_at)
    for start in range(0, len(due), batch_size):
        batch = due[start : start + batch_size]
        with transaction.atomic():
            result.batches += 1
            result.cases += len(batch)
            hits = []
            for case in batch:
                for rule in rules:
                    due_for = rule_due_for(rule, case, now=now, calendar=calendar)
                    if due_for is not None:
                        hits.append(Hit(case, rule, due_for, directory.resolve_all(rule.recipients, case)))
            inserted = _insert_reminders(hits, now=now)
            rows = outbox.rows_for(inserted, directory=directory)
            if rows:
                outbox.write(rows)
            result.reminders += len(inserted)
            result.notifications += len(rows)
            for hit, _pk in inserted:
                result.by_kind[hit.rule.code] = result.by_kind.get(hit.rule.code, 0) + 1
    # Co-handling parts: their own sub-deadlines, the same rules (casesys.cohandling.reminders).
    from casesys.cohandling.reminders import parts_scan

    parts_reminded = parts_scan(now=now, calendar=calendar, directory=directory, rules=rules)
    if parts_reminded:
        result.by_kind["parts"] = parts_reminded
    logger.info(
        "deadline scan: %s cases in %s batches, %s new reminders, %s notifications",
        result.cases,
        result.batches,
        result.reminders,
        result.notifications,
    )
    return result


def _insert_reminders(hits: list[Hit], *, now: dt.datetime) -> list[tuple[Hit, int]]:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING for the batch; the hits it inserted.

    A hit counts only if its case still has the version the scan read (joined in the same
    statement): a case closed, extended or transferred meanwhile gets no stale reminder, and
    the next scan judges it afresh. On PostgreSQL the batch travels as one JSON document
    unpacked by ``jsonb_to_recordset``: a statement of constant text whose one parameter the
    C JSON encoder builds (a VALUES list of 1,600 placeholders, or arrays, spent most of the
    statement's time being quoted element by element in Python)."""
    if not hits:
        return []
    table = Reminder._meta.db_table
    cases = Case._meta.db_table
    insert = f"INSERT INTO {table} (case_id, kind, level, due_for, rule_id, recipients, created_at) "
    # WHERE true: SQLite needs it to tell an upsert's ON CONFLICT from a join's ON.
    conflict = "WHERE true ON CONFLICT (case_id, kind, level, due_for) DO NOTHING RETURNING id, case_id, kind, level"
    due_field = Reminder._meta.get_field("due_for")
    if connection.vendor == "postgresql":
        batch = json.dumps([
            {"c": h.case.pk, "k": h.rule.code, "l": h.rule.level, "d": h.due_for.isoformat(), "r": h.rule.pk,
             "p": [u.pk for u in h.users], "v": h.case.version}
            for h in hits
        ])
        sql = (
            f"{insert} SELECT t.c, t.k, t.l, t.d, t.r, t.p, %s FROM jsonb_to_recordset(%s::jsonb) "
            "AS t(c bigint, k text, l int, d timestamptz, r bigint, p jsonb, v int) "
            f"JOIN {cases} x ON x.id = t.c AND x.version = t.v {conflict}"
        )
        params: list = [now, batch]
    else:
        recipients_field = Reminder._meta.get_field("recipients")
        rows = [
            (h.case.pk, h.rule.code, h.rule.level, due_field.get_db_prep_value(h.due_for, connection), h.rule.pk,
             recipients_field.get_db_prep_value([u.pk for u in h.users], connection), h.case.version)
            for h in hits
        ]
        rows_sql = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(hits))
        sql = (
            f"{insert} SELECT t.column1, t.column2, t.column3, t.column4, t.column5, t.column6, %s "
            f"FROM (VALUES {rows_sql}) AS t JOIN {cases} x ON x.id = t.column1 AND x.version = t.column7 {conflict}"
        )
        params = [due_field.get_db_prep_value(now, connection), *(v for row in rows for v in row)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    by_key = {(h.case.pk, h.rule.code, h.rule.level): h for h in hits}
    return [(by_key[(case_id, kind, level)], pk) for pk, case_id, kind, level in returned]


class _OutboxWriter:
    """The staff messages for the reminders a batch inserted, as rows for `notify_staff_bulk`
    (one statement per batch, no model instances).

    The subject and body are not rendered here: the sender renders every message from its
    template and context at delivery (with the recipient's language and current wording), and
    staff only see a reminder once it is delivered. Rendering twice was 40 % of a scan.
    """

    def __init__(self, *, now: dt.datetime, send_at: dt.datetime):
        self.now = now
        self.send_at = send_at
        self.base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")

    def context_for(self, hit: Hit, directory: StaffDirectory) -> dict:
        case = hit.case
        department = directory.departments.get(case.department_id)
        return {
            "number": case.number,
            "subject": case.subject,
            "due": _fmt(hit.due_for),
            "days": hit.rule.days,
            "level": hit.rule.level,
            "department": department.name if department else "",
            "department_en": (department.name_en or department.name) if department else "",
            # No officer: "" — each language's template says "unassigned" in its own words.
            "assignee": case.assignee.display_name() if case.assignee else "",
            "submitted": _fmt(case.reply_submitted_at),
            "case_url": f"{self.base_url}/desk/cases/{case.number}/",
        }

    def rows_for(self, inserted: list[tuple[Hit, int]], *, directory: StaffDirectory) -> list[dict]:
        """One in-app row per recipient; delivering it e-mails the copy (see notify_staff)."""
        rows: list[dict] = []
        for hit, reminder_pk in inserted:
            context = self.context_for(hit, directory)
            for user in hit.users:
                rows.append({
                    "template": hit.rule.template,
                    "context": context,
                    "recipient_user_id": user.pk,
                    "case_id": hit.case.pk,
                    "dedupe_key": staff_dedupe_key(f"reminder:{reminder_pk}", user.pk),
                })
        return rows

    def write(self, rows: list[dict]) -> None:
        """Their dedupe keys contain the id of a reminder inserted in this very transaction,
        so they cannot conflict."""
        notify_staff_bulk(rows=rows, send_at=self.send_at, now=self.now)
