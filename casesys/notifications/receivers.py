"""Citizen notifications queued from case events, in the transaction that wrote the event.

created → acknowledgement (case number and password); transferred → transfer notice;
extension_approved → extension notice (reason, current status, expected completion);
closed → the reply, then a satisfaction-survey invitation (7 calendar days, skipped for
survey-exempt categories).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from casesys.cases.citizen_links import status_link, survey_link
from casesys.cases.events import CaseEventKind
from casesys.notifications.services import notify_citizen

STATUS_LABELS = {
    "received": ("已受理", "Received"),
    "dispatched": ("已分文", "Dispatched"),
    "in_progress": ("處理中", "In progress"),
    "pending_approval": ("答復簽核中", "Reply under review"),
    "closed": ("已結案", "Closed"),
}


def _fmt(moment) -> str:
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _base_url() -> str:
    return settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")


def _base(case) -> dict:
    # The progress link opens this one case without the password (a signed token that lives
    # until 30 days after closure: casesys.cases.citizen_links); every channel's notice has it.
    return {
        "number": case.number,
        "subject": case.subject,
        "track_url": status_link(case),
        "due": _fmt(case.due_at),
    }


def on_case_event(sender, case, event, context, **kwargs) -> None:
    kind = event.kind
    if kind == CaseEventKind.CREATED:
        notify_citizen(
            case=case,
            template="case_acknowledged",
            context={**_base(case), "password": context.get("password", "")},
            dedupe_key=f"citizen:ack:{case.pk}",
        )
    elif kind == CaseEventKind.TRANSFERRED:
        notify_citizen(
            case=case,
            template="case_transferred",
            context={**_base(case), "agency": context.get("agency", case.transferred_to), "reason": context.get("reason", "")},
            dedupe_key=f"citizen:transfer:{event.pk}",
        )
    elif kind == CaseEventKind.EXTENSION_APPROVED:
        zh, en = STATUS_LABELS.get(case.state, (case.state, case.state))
        notify_citizen(
            case=case,
            template="case_extended",
            context={
                **_base(case),
                "reason": context.get("reason", ""),
                # The officer's own words on where the case stands; the state label only
                # for requests made before they were asked for.
                "status_text": context.get("status_text", ""),
                "status": zh,
                "status_en": en,
                "due": _fmt(context.get("new_due") or case.due_at),
            },
            dedupe_key=f"citizen:extension:{event.pk}",
        )
    elif kind == CaseEventKind.CLOSED:
        base = _base(case)
        notify_citizen(
            case=case,
            template="case_reply",
            context={**base, "reply": context.get("reply") or case.reply},
            dedupe_key=f"citizen:reply:{event.pk}",
        )
        if not case.category.survey_exempt:
            days = settings.CASESYS["SURVEY_WINDOW_DAYS"]
            until = (case.closed_at or timezone.now()) + dt.timedelta(days=days)
            notify_citizen(
                case=case,
                template="survey_invitation",
                context={**base, "survey_url": survey_link(case), "survey_until": _fmt(until)},
                dedupe_key=f"citizen:survey:{event.pk}",
            )
