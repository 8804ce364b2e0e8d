"""Citizen notices beyond the outbox: call-or-write tasks, and the overdue notice (逾限主動告知).

A petitioner without an electronic route (phone or letter only) still gets every notice:
`notify_citizen` turns it into a `ContactTask` with the same rendered text, shown on the case
page and in the handling officer's queue until an officer records the call or letter
(`contact_task_done`). Only a petitioner with no contact at all (anonymous) is left with a
visible "could not be routed" row.

The overdue notice goes once per overdue period: the key is the deadline that was missed
(a `reminders.Reminder` row of kind ``citizen_overdue`` with ``due_for=due_at``), so an
extension or a reopening, which set a new deadline, allow one more notice if that one passes
too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casesys.cases.events import event_contact_done
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.models import OPEN_Q, Case, Channel, ExtensionRequest, State
from casesys.notifications.models import ContactTask
from casesys.notifications.render import template_exists

logger = logging.getLogger(__name__)

Method = ContactTask.Method

# The number and password are given to these petitioners at intake itself (the mailbox's
# confirmation page, or read out by the intake officer on the call or at the counter), so an
# acknowledgement without an electronic route needs no call-back.
TOLD_AT_INTAKE = {Channel.WEB, Channel.PHONE, Channel.WALK_IN, Channel.OPEN311}

OVERDUE_KIND = "citizen_overdue"


def suggested_method(petitioner) -> str | None:
    """Call when there is a phone number, else write when there is a postal address."""
    if petitioner is None:
        return None
    if petitioner.phone_key or (petitioner.phone or "").strip():
        return Method.CALL
    if (petitioner.address or "").strip():
        return Method.LETTER
    return None


def citizen_unrouted(
    *, case, template: str, context: dict, dedupe_key: str, reason: str, now: dt.datetime | None = None
):
    """A notice for a petitioner with no electronic route: a call-or-write task, or a visible
    failed row when there is no way to reach them at all."""
    from casesys.notifications.services import (
        notification_record_undeliverable,
        rendered_preview,
    )

    subject, body = ("", "")
    if template_exists(template):
        # Secrets (the case password) masked, as in the outbox preview: the text is stored.
        subject, body = rendered_preview(template, context)
    method = suggested_method(case.petitioner)
    if method is None:
        return notification_record_undeliverable(
            template=template, case=case, reason=reason, dedupe_key=dedupe_key, subject=subject, now=now
        )
    return _contact_task(case=case, template=template, dedupe_key=dedupe_key, subject=subject, body=body, now=now)


def _contact_task(*, case, template: str, dedupe_key: str, subject: str, body: str, now: dt.datetime | None):
    """One call-or-write task per `dedupe_key`; None when it exists already, or when the
    notice is an acknowledgement given at intake (the number and password were told then)."""
    from casesys.notifications.services import save_deduplicated

    method = suggested_method(case.petitioner)
    if method is None or (template == "case_acknowledged" and case.channel in TOLD_AT_INTAKE):
        return None
    task = ContactTask(
        case=case,
        template=template,
        dedupe_key=dedupe_key,
        subject=subject[:200],
        body=body,
        suggested_method=method,
        created_at=now or timezone.now(),
    )
    return task if save_deduplicated(task) else None


def citizen_notice_failed(
    *, notification, subject: str, body: str, reason: str, now: dt.datetime | None = None
):
    """An electronic notice that failed for good (bounced, undeliverable SMS, blocked bot):
    the same text as a call-or-write task, once per notice. The notice itself says what
    happened, so an acknowledgement given at intake needs no call either."""
    if notification.case is None:
        return None  # the failed row is the trace
    return _contact_task(
        case=notification.case,
        template=notification.template,
        dedupe_key=f"lost:{notification.key}",
        subject=subject,
        body=body,
        now=now,
    )


def contact_task_done(*, task: ContactTask, method: str, note: str = "", by, now: dt.datetime | None = None) -> ContactTask:
    """The officer called or wrote: close the task, with an event on the case's timeline."""
    from casesys.cases.selectors import cases_visible_to

    if method not in Method.values:
        raise ValidationError({"method": ["請選擇電話或書面 / Choose call or letter."]})
    # Staff who can see the case, or the case carrying it when it was merged.
    handling = [task.case_id]
    if task.case.state == State.MERGED and task.case.merged_into_id:
        handling.append(task.case.merged_into_id)
    if not cases_visible_to(by).filter(pk__in=handling).exists():
        raise TransitionPermissionDenied()
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        done = ContactTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=now, done_by=by, method=method, note=note
        )
        if not done:
            raise ValidationError({"task": ["此通知已完成 / This notice was already recorded as done."]})
        task.refresh_from_db()
        label = Method(method).label
        event_contact_done(
            case=task.case,
            actor=by,
            note=f"{label}：{task.subject}" + (f"\n{note}" if note else ""),
            task_id=task.pk,
            method=method,
        )
    return task


# --- the overdue notice -------------------------------------------------------------------


@dataclass
class OverdueResult:
    cases: int = 0
    notices: int = 0


def overdue_candidates(now: dt.datetime):
    """Open cases past their deadline with no notice yet for that deadline and no pending
    extension request (its decision tells the petitioner; a rejection lets the next run send
    this notice). On the partial index of open cases by deadline."""
    from casesys.reminders.models import Reminder

    noticed = Reminder.objects.filter(case=OuterRef("pk"), kind=OVERDUE_KIND, level=0, due_for=OuterRef("due_at"))
    pending = ExtensionRequest.objects.filter(case=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    return (
        Case.objects.filter(OPEN_Q, due_at__lt=now)
        .exclude(Exists(noticed))
        .exclude(Exists(pending))
        .select_related("petitioner", "category", "department")
        .order_by("due_at", "pk")
    )


def _latest_requests(case_ids: list[int]) -> dict[int, ExtensionRequest]:
    # One row per case (DISTINCT ON): the officer's latest words on why and where it stands.
    rows = (
        ExtensionRequest.objects.filter(case_id__in=case_ids)
        .exclude(status=ExtensionRequest.Status.WITHDRAWN)
        .order_by("case_id", "-requested_at", "-pk")
        .distinct("case_id")
    )
    return {r.case_id: r for r in rows}


def _claim(case: Case, now: dt.datetime) -> bool:
    from casesys.reminders.models import Reminder

    try:
        with transaction.atomic():
            Reminder.objects.create(case=case, kind=OVERDUE_KIND, level=0, due_for=case.due_at, created_at=now)
    except IntegrityError:
        return False  # another run took it
    return True


def overdue_context(case: Case, request: ExtensionRequest | None) -> dict:
    from casesys.notifications.receivers import STATUS_LABELS, _base, _fmt

    zh, en = STATUS_LABELS.get(case.state, (case.state, case.state))
    return {
        **_base(case),
        "due": _fmt(case.due_at),
        "status": zh,
        "status_en": en,
        "reason": request.reason if request else "",
        "status_text": request.status_text if request else "",
    }


def citizen_overdue_notices_send(*, now: dt.datetime | None = None, batch: int = 200, max_batches: int = 50) -> OverdueResult:
    """Tell each petitioner whose case went past its deadline, once per deadline missed."""
    from casesys.notifications.services import notify_citizen

    now = now or timezone.now()
    result = OverdueResult()
    for _ in range(max_batches):
        with transaction.atomic():
            cases = list(overdue_candidates(now)[:batch])
            if not cases:
                break
            requests = _latest_requests([c.pk for c in cases])
            for case in cases:
                result.cases += 1
                if not _claim(case, now):
                    continue
                request = requests.get(case.pk)
                if request is not None and request.requested_at < case.deadline_start:
                    request = None  # written for a round of handling before a reopening
                sent = notify_citizen(
                    case=case,
                    template="case_overdue",
                    context=overdue_context(case, request),
                    dedupe_key=f"citizen:overdue:{case.pk}:{case.due_at.isoformat()}",
                    now=now,
                )
                if sent is not None:
                    result.notices += 1
    if result.notices:
        logger.info("overdue notices: %s for %s cases", result.notices, result.cases)
    return result



# --- 忘記密碼: a new case password, sent to the contact on record -----------------------------

PASSWORD_TEMPLATE = "case_password_reset"


def _contact_matches(petitioner, contact: str) -> bool:
    from casesys.cases.addresses import usable_contacts
    from casesys.cases.contacts import email_key, phone_key

    contact = (contact or "").strip()
    if petitioner is None or not contact:
        return False
    if "@" in contact:
        key = email_key(contact)
        return bool(key) and key == petitioner.email_key
    key = phone_key(contact)
    if not key:
        return False
    if key == petitioner.phone_key:
        return True
    # A mobile number the petitioner gave on a connector (e.g. for SMS) counts as on record.
    return any(phone_key(address) == key for address in usable_contacts(petitioner).values_list("address", flat=True))


def case_password_resend(*, number: str, contact: str, now: dt.datetime | None = None) -> bool:
    """忘記密碼: when `contact` (a phone number or an e-mail address) is the petitioner's on
    record, set a new case password and send it through the citizen's notice route. The
    password is stored hashed, so the old one cannot be re-sent; it stops working.

    True when a notice was queued. The caller shows the same page either way (no
    enumeration). Nothing happens for a petitioner without an electronic route: a
    call-or-write task cannot carry a password (its text is stored masked).
    """
    from casesys.cases.events import event_password_reset
    from casesys.cases.numbering import generate_case_password, hash_case_password
    from casesys.notifications.receivers import _base
    from casesys.notifications.services import citizen_route, notification_enqueue

    number = (number or "").strip().upper()
    case = Case.objects.select_related("petitioner").filter(number=number).first() if number else None
    if case is None or not _contact_matches(case.petitioner, contact):
        return False
    route = citizen_route(case, PASSWORD_TEMPLATE)
    if route.channel is None:
        return False
    now = now or timezone.now()
    password = generate_case_password()
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(password_hash=hash_case_password(password))
        event = event_password_reset(case=case, channel=route.channel)
        notification_enqueue(
            channel=route.channel,
            template=PASSWORD_TEMPLATE,
            # "password" is a secret key: masked in the stored text, scrubbed once sent.
            context={"language": case.language, **_base(case), "password": password},
            recipient_address=route.address,
            case=case,
            dedupe_key=f"citizen:password:{case.pk}:{event.pk}",
            now=now,
        )
    logger.info("case password re-issued", extra={"case_id": case.pk, "channel": route.channel})
    return True
