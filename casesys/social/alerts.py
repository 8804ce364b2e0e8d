"""Alerts about leads that concern an existing case (輿情警示).

A lead that names a case number, or matches an open overdue case, is a public complaint
about a case the agency already has — maybe a late one. It must be seen the same hour, not
in tomorrow's digest: the supervisor on duty (`DutyShift`) gets an in-app message at once,
day or night (`notify_staff(urgent=True)`, e-mailed on delivery); with nobody on duty, the
supervisors of the case's department (intake staff for an undispatched case).

Matching (after NFKC normalisation, so full-width digits and hyphens count):

- **case number**: `{PREFIX}-{ROC yyyMMdd}-{5 digits}` (casesys.cases.numbering) anywhere in
  the title or text, of a case that exists (any state);
- **overdue case**, open and past its deadline, by **place** (the case's district and the
  street of its address are both named in the lead: leads carry no coordinates) or by
  **keywords** (at least `MATCH_MIN_BIGRAMS` and `MATCH_MIN_PERCENT` % of the bigrams of the
  case's subject occur in the lead — the pieces the case search indexes,
  casesys.cases.search). At most `MAX_ALERT_CASES` cases, best first.

Idempotent: the check claims the lead (`alerts_checked_at`, a conditional UPDATE) and each
alert is one `LeadAlert` row per (lead, case) plus messages with the dedupe key
`lead-alert:{lead}:{case}` per user, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case
from casesys.cases.search import text_bigrams
from casesys.inbound.models import Lead
from casesys.notifications.services import notify_staff
from casesys.reminders.directory import StaffDirectory
from casesys.reminders.models import Recipient
from casesys.social.models import DutyShift, LeadAlert
from casesys.social.texts import halves, lead_excerpt, source_halves

logger = logging.getLogger(__name__)

CASE_NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]{0,15})\s?-\s?(\d{7})\s?-\s?(\d{5})(?!\d)")
# "示範市中山區中山路二段10號" → city, district, road ("中山路"), section.
_ADDRESS = re.compile(
    r"^(?:[^\s\d]{1,4}?[市縣])?(?P<district>[^\s\d]{1,4}?[區鄉鎮市])?(?P<road>[^\s\d]{1,8}?(?:大道|路|街))"
)


def _conf(key: str):
    return settings.CASESYS_OPINION[key]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def case_numbers_in(text: str) -> list[str]:
    """Case numbers written in `text`, upper-cased, in order, each once."""
    found: list[str] = []
    for m in CASE_NUMBER_IN_TEXT.finditer(normalise(text)):
        number = f"{m.group(1).upper()}-{m.group(2)}-{m.group(3)}"
        if number not in found:
            found.append(number)
    return found


def place_of(address: str, district: str) -> tuple[str, str]:
    """(district, road) of a case's address; either may be empty."""
    m = _ADDRESS.match(normalise(address).replace(" ", ""))
    if m is None:
        return district, ""
    return district or (m.group("district") or ""), m.group("road") or ""


@dataclass
class Match:
    case_id: int
    kind: str
    why: str
    score: float


def overdue_matches(text: str, *, now: dt.datetime, limit: int) -> list[Match]:
    """Open overdue cases the text is about, best first: place (district and road named)
    before keywords (share of the subject's bigrams)."""
    text = normalise(text)
    words = text_bigrams(text.lower())
    min_share = _conf("MATCH_MIN_PERCENT") / 100.0
    min_bigrams = _conf("MATCH_MIN_BIGRAMS")
    found: list[Match] = []
    rows = (
        Case.objects.filter(OPEN_Q, due_at__lt=now)
        .values_list("pk", "subject", "district", "address")
        .iterator(chunk_size=2000)
    )
    for pk, subject, district, address in rows:
        # The inner loop runs once per overdue case: plain set and substring operations only
        # (about 8 µs a case; the place's regex only for cases whose district is named).
        lowered_subject = subject.lower()
        if " " in lowered_subject or "\t" in lowered_subject:
            subject_bigrams = text_bigrams(lowered_subject)  # pieces never span a space
        else:
            subject_bigrams = {lowered_subject[i : i + 2] for i in range(len(lowered_subject) - 1)}
        shared = len(subject_bigrams & words)
        share = shared / len(subject_bigrams) if subject_bigrams else 0.0
        if (district and district in text) or (not district and address):
            where, road = place_of(address, district)
            if where and len(road) >= 2 and where in text and road in text:
                found.append(Match(pk, LeadAlert.Kind.OVERDUE_MATCH, "place", 1.0 + share))
                continue
        if shared >= min_bigrams and share >= min_share:
            found.append(Match(pk, LeadAlert.Kind.OVERDUE_MATCH, "keywords", share))
    found.sort(key=lambda m: (-m.score, m.case_id))
    return found[:limit]


def on_duty(at: dt.datetime) -> list:
    """Staff whose duty shift covers `at`."""
    shifts = DutyShift.objects.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True).select_related("user")
    users = {}
    for shift in shifts.order_by("starts_at", "pk"):
        users.setdefault(shift.user.pk, shift.user)
    return list(users.values())


def alert_recipients(case: Case, *, at: dt.datetime, directory: StaffDirectory | None = None) -> list:
    """The supervisor(s) on duty at `at`, else the supervisors of the case's department
    (intake staff when the case has none yet)."""
    users = on_duty(at)
    if users:
        return users
    directory = directory or StaffDirectory.load()
    return directory.resolve(Recipient.DEPARTMENT_SUPERVISOR, case)


def _context(lead: Lead, case: Case, match: Match, *, base_url: str, now: dt.datetime) -> dict:
    zh, en = source_halves(lead.source)
    department = case.department
    state_zh, state_en = halves(case.get_state_display())
    return {
        "kind": match.kind,
        "why": match.why,
        "lead": lead.pk,
        "source_zh": zh,
        "source_en": en,
        "text": lead_excerpt(lead, limit=200, whole=True),
        "url": lead.url or "",
        "number": case.number,
        "subject": case.subject,
        "state": case.state,
        "state_zh": state_zh,
        "state_en": state_en,
        "overdue": bool(case.is_open and case.due_at < now),
        "due": f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}",
        "department": department.name if department else "",
        "department_en": (department.name_en or department.name) if department else "",
        "case_url": f"{base_url}{reverse('web:case', args=[case.number])}",
        "leads_url": f"{base_url}{reverse('web:leads')}",
    }


def lead_alerts_check(*, lead_id: int, now: dt.datetime | None = None) -> list[LeadAlert]:
    """Check one lead once (claimed by `alerts_checked_at`) and queue its alerts."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Lead.objects.filter(pk=lead_id, alerts_checked_at__isnull=True).update(alerts_checked_at=now)
        if not claimed:
            return []
        lead = Lead.objects.get(pk=lead_id)
        text = f"{lead.title}\n{lead.text}"
        limit = _conf("MAX_ALERT_CASES")
        matches: list[Match] = []
        numbers = case_numbers_in(text)
        if numbers:
            by_number = dict(Case.objects.filter(number__in=numbers).values_list("number", "pk"))
            matches = [Match(by_number[n], LeadAlert.Kind.MENTION, "number", 2.0) for n in numbers if n in by_number]
        named = {m.case_id for m in matches}
        matches += [m for m in overdue_matches(text, now=now, limit=limit) if m.case_id not in named]
        matches = matches[:limit]
        if not matches:
            return []
        cases = Case.objects.select_related("department").in_bulk([m.case_id for m in matches])
        base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
        directory = StaffDirectory.load()
        alerts = []
        for match in matches:
            case = cases[match.case_id]
            alert, created = LeadAlert.objects.get_or_create(
                lead=lead, case=case, defaults={"kind": match.kind, "why": match.why, "created_at": now}
            )
            if not created:
                continue
            users = [u for u in alert_recipients(case, at=now, directory=directory) if u.is_active]
            context = _context(lead, case, match, base_url=base_url, now=now)
            for user in users:
                notify_staff(
                    user=user,
                    template="lead_alert",
                    context=context,
                    case=case,
                    dedupe_key=f"lead-alert:{lead.pk}:{case.pk}",
                    now=now,
                    urgent=True,
                )
            alert.recipients = [u.pk for u in users]
            alert.save(update_fields=["recipients"])
            alerts.append(alert)
        logger.info("lead %s: %s alert(s) queued", lead.pk, len(alerts))
        return alerts


def unchecked_leads(*, now: dt.datetime, grace: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Leads whose check task was lost (committed a while ago and still unchecked)."""
    return list(
        Lead.objects.filter(alerts_checked_at__isnull=True, created_at__lt=now - grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
