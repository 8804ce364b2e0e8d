"""The leads' response clock (輿情): triage reminders, like the cases' deadline scan.

Every untriaged lead has `triage_due_at` (casesys.inbound.triage). The scan (beat, every
5 minutes) reminds the lead triagers — intake staff (受理, who triage leads) of the agency
of the lead's suggested department, else all intake staff — `DUE_SOON_MINUTES` before the
deadline and once when it has passed. Each reminder is claimed by inserting its
`LeadReminder` key (lead, kind) with ``INSERT … SELECT … WHERE status='new' ON CONFLICT DO
NOTHING RETURNING``: of two scans one inserts and sends, the other gets nothing back, and a
lead triaged meanwhile gets no reminder. Messages wait for office hours like the cases'.

The scan also runs the alert check for leads whose on-commit task was lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from casesys.inbound.models import Lead, LeadReminder
from casesys.notifications.services import notify_staff_group
from casesys.org.models import Role
from casesys.reminders.directory import StaffDirectory
from casesys.reminders.models import Recipient
from casesys.social.texts import lead_excerpt, source_halves
from casesys.workcal.calendar import WorkCalendar

logger = logging.getLogger(__name__)

TEMPLATES = {LeadReminder.Kind.DUE_SOON: "lead_triage_due_soon", LeadReminder.Kind.OVERDUE: "lead_triage_overdue"}


@dataclass
class ClockResult:
    leads: int = 0
    reminders: int = 0
    notifications: int = 0
    alerts_checked: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ref:
    """What `StaffDirectory.resolve` reads of a case, for a lead."""

    department_id: int | None


def triagers(lead: Lead, directory: StaffDirectory) -> list:
    """Intake staff (受理: dispatch and leads) of the agency of the lead's suggested department,
    else every intake user; an office without intake staff: its administrators."""
    users = directory.resolve(Recipient.INTAKE, _Ref(lead.suggested_department_id))
    if not users and lead.suggested_department_id:
        users = directory.resolve(Recipient.INTAKE, _Ref(None))
    return users or [m.user for m in directory.members if Role.ADMIN in m.roles]


def _claim(lead: Lead, kind: str, *, recipients: list[int], now: dt.datetime) -> bool:
    """Insert the (lead, kind) key if the lead is still untriaged; True if this call did."""
    table = LeadReminder._meta.db_table
    leads = Lead._meta.db_table
    created = LeadReminder._meta.get_field("created_at").get_db_prep_value(now, connection)
    sql = (
        f"INSERT INTO {table} (lead_id, kind, due_for, recipients, created_at) "
        f"SELECT id, %s, triage_due_at, %s, %s FROM {leads} WHERE id = %s AND status = %s "
        "AND triage_due_at IS NOT NULL ON CONFLICT (lead_id, kind) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, json.dumps(recipients), created, lead.pk, Lead.Status.NEW])
        return cursor.fetchone() is not None


def _context(lead: Lead, kind: str, base_url: str) -> dict:
    zh, en = source_halves(lead.source)
    return {
        "kind": kind,
        "lead": lead.pk,
        "source_zh": zh,
        "source_en": en,
        "text": lead_excerpt(lead),
        "due": f"{timezone.localtime(lead.triage_due_at):%Y-%m-%d %H:%M}",
        "leads_url": f"{base_url}{reverse('web:leads')}",
    }


def lead_clock_scan(*, now: dt.datetime | None = None) -> ClockResult:
    now = now or timezone.now()
    result = ClockResult()
    soon = dt.timedelta(minutes=settings.CASESYS_OPINION["DUE_SOON_MINUTES"])
    due = list(
        Lead.objects.filter(status=Lead.Status.NEW, triage_due_at__lte=now + soon)
        .exclude(reminders__kind=LeadReminder.Kind.OVERDUE)
        .order_by("triage_due_at", "pk")[:2000]
    )
    if due:
        directory = StaffDirectory.load()
        calendar = WorkCalendar.load()
        base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
        for lead in due:
            result.leads += 1
            # Overdue already: the overdue reminder only (a "due soon" now would be late news).
            kind = LeadReminder.Kind.OVERDUE if now > lead.triage_due_at else LeadReminder.Kind.DUE_SOON
            users = [u for u in triagers(lead, directory) if u.is_active]
            with transaction.atomic():
                if not _claim(lead, kind, recipients=[u.pk for u in users], now=now):
                    continue
                _count, queued = notify_staff_group(
                    users=users,
                    template=TEMPLATES[kind],
                    context=_context(lead, kind, base_url),
                    dedupe_key=f"lead-triage:{lead.pk}:{kind}",
                    calendar=calendar,
                    now=now,
                )
            result.reminders += 1
            result.notifications += queued
            result.by_kind[kind.value] = result.by_kind.get(kind.value, 0) + 1
    # The alert check of leads whose on-commit task was lost (broker down, worker killed).
    from casesys.social.alerts import lead_alerts_check, unchecked_leads

    for lead_id in unchecked_leads(now=now):
        lead_alerts_check(lead_id=lead_id, now=now)
        result.alerts_checked += 1
    if result.reminders or result.alerts_checked:
        logger.info("lead clock: %s reminders, %s late alert checks", result.reminders, result.alerts_checked)
    return result
