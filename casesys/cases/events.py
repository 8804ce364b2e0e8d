"""Audit events: the kinds (`CaseEventKind`) and one small function per kind, all through
`record_event`.

Everything else names a kind by its `CaseEventKind` member (receivers, the desk's timeline,
reports, the API); tests/cases/test_event_kinds.py fails on a kind spelt as a string literal
anywhere but here. Transition events take the fields every transition records (actor, the two
states, note, changes); `services._run` calls the function its transition names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casesys.cases.models import Case, CaseEvent
from casesys.cases.signals import case_event_recorded


class CaseEventKind(models.TextChoices):
    CREATED = "created", _("收件 / Received")
    DISPATCHED = "dispatched", _("分文 / Dispatched")
    ACCEPTED = "accepted", _("簽收 / Accepted")
    ASSIGNED = "assigned", _("指派 / Assigned")
    RETURNED_TO_INTAKE = "returned_to_intake", _("退回分文 / Returned to intake")
    REPLY_SUBMITTED = "reply_submitted", _("答復陳核 / Reply submitted")
    REPLY_RETURNED = "reply_returned", _("答復退回修正 / Reply returned")
    CLOSED = "closed", _("核定結案 / Approved and closed")
    TRANSFERRED = "transferred", _("移文 / Transferred")
    FILED = "filed", _("存查 / Filed")
    MERGED = "merged", _("併案 / Merged")
    MERGED_IN = "merged_in", _("他案併入 / Case merged in")
    REOPENED = "reopened", _("重新處理 / Reopened")
    EXTENSION_REQUESTED = "extension_requested", _("申請展延 / Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("展延核准 / Extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("展延駁回 / Extension rejected")
    EXTENSION_WITHDRAWN = "extension_withdrawn", _("展延申請撤回 / Extension request withdrawn")
    DUE_RECOMPUTED = "due_recomputed", _("期限重算 / Deadline recomputed")
    IDENTITY_REVEALED = "identity_revealed", _("查閱陳情人身分 / Identity revealed")
    NOTE_ADDED = "note_added", _("新增內部註記 / Internal note added")
    SURVEYED = "surveyed", _("滿意度調查 / Survey answered")
    CONTACT_DONE = "contact_done", _("已電話/書面通知陳情人 / Petitioner told by phone or letter")
    FOLLOW_UP_OPENED = "follow_up_opened", _("不滿意回訪待辦 / Follow-up opened")
    FOLLOW_UP_CALLBACK = "follow_up_callback", _("回訪：已電話聯繫 / Follow-up: called back")
    SECOND_REPLY = "second_reply", _("回訪：再次答復 / Follow-up: second reply")
    LOCATION_SET = "location_set", _("更新案件地點 / Location updated")
    PASSWORD_REISSUED = "password_reissued", _("重新發給查詢密碼 / Case password re-issued")
    LEAD_CONVERTED = "lead_converted", _("由線索立案 / Opened from a lead")
    INCIDENT_LINKED = "incident_linked", _("併入事件 / Linked to an incident")
    INCIDENT_UNLINKED = "incident_unlinked", _("自事件移除 / Removed from an incident")
    # the citizen portal
    CITIZEN_SUPPLEMENT = "citizen_supplement", _("民眾補充陳情 / Citizen added information")
    PASSWORD_RESET = "password_reset", _("民眾申請重設查詢密碼 / New case password sent at the citizen's request")
    # co-handling (casesys.cohandling)
    CO_HANDLERS_ADDED = "co_handlers_added", _("加入協辦單位 / Co-handlers added")
    MULTI_DEPARTMENT_DEADLINE = "multi_department_deadline", _("多單位協辦期限 / Multi-department deadline")
    PART_ACCEPTED = "part_accepted", _("協辦簽收 / Part accepted")
    PART_ASSIGNED = "part_assigned", _("指派協辦人 / Part assigned")
    PART_REPLY_SUBMITTED = "part_reply_submitted", _("協辦答復陳核 / Part reply submitted")
    PART_REPLY_RETURNED = "part_reply_returned", _("協辦答復退回修正 / Part reply returned")
    PART_DONE = "part_done", _("協辦完成 / Part done")
    PART_RETURNED = "part_returned", _("協辦退回主辦 / Part returned to the lead")
    PART_RELEASED = "part_released", _("同意免協辦 / Part released")
    PART_REIMPOSED = "part_reimposed", _("仍請協辦 / Part re-imposed")
    PART_WITHDRAWN = "part_withdrawn", _("撤銷協辦 / Part withdrawn")


K = CaseEventKind

# Citizen-facing timeline texts (Traditional Chinese first, English second).
PUBLIC_TEXT: dict[CaseEventKind, str] = {
    K.CREATED: "案件已受理 / Case received",
    # Public: a citizen who did not ask for it sees that the old password stopped working.
    K.PASSWORD_REISSUED: "已重新發給查詢密碼 / A new case password was issued",
    K.DISPATCHED: "已分派承辦單位：{department} / Assigned to {department}",
    K.ACCEPTED: "承辦人已開始處理 / An officer is handling the case",
    K.ASSIGNED: "承辦人已開始處理 / An officer is handling the case",
    K.RETURNED_TO_INTAKE: "重新分派中 / Being reassigned",
    K.REPLY_SUBMITTED: "答復內容簽核中 / Reply under review",
    K.REPLY_RETURNED: "答復內容修正中 / Reply being revised",
    K.CLOSED: "已結案並答復 / Closed with a reply",
    K.TRANSFERRED: "已移請 {agency} 處理 / Transferred to {agency}",
    K.FILED: "依規定存查 / Filed for reference",
    K.MERGED: "已併入案件 {into} 辦理 / Merged into case {into}",
    K.REOPENED: "案件重新處理 / Case reopened",
    K.EXTENSION_APPROVED: "處理期限展延至 {due} / Deadline extended to {due}",
    K.DUE_RECOMPUTED: "因辦公日曆異動，處理期限調整為 {due} / Deadline moved to {due} after a calendar change",
    K.SECOND_REPLY: "機關已再次答復 / A second reply was sent",
    K.CITIZEN_SUPPLEMENT: "您已補充陳情資料 / You added information",
    # Public: a citizen who did not ask for it sees why the old password stopped working.
    K.PASSWORD_RESET: "已重設查詢密碼並寄至留存的聯絡方式 / A new case password was sent to the contact on record",
    # casesys.incidents: the incident's title is public (it is what the event is called).
    K.INCIDENT_LINKED: "與同一事件的其他通報併同處理：{title} / Handled together with other reports of: {title}",
    # co-handling (casesys.cohandling): departments are named, staff never
    K.CO_HANDLERS_ADDED: "會同 {departments} 協同辦理 / {departments} co-handling the case",
    K.MULTI_DEPARTMENT_DEADLINE: "多單位協同辦理，處理期限調整為 {due} / Handled by several departments: deadline now {due}",
    K.PART_DONE: "{department} 已完成協辦 / {department} has completed its part",
}


def record_event(
    *,
    case: Case,
    kind: CaseEventKind,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    changes: dict[str, Any] | None = None,
    public_args: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> CaseEvent:
    kind = CaseEventKind(kind)  # an unknown kind fails here, not in a receiver
    public_text = ""
    if kind in PUBLIC_TEXT:
        public_text = _public_text(PUBLIC_TEXT[kind], public_args or {})
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_state=from_state,
        to_state=to_state,
        note=note,
        changes=changes or {},
        public=bool(public_text),
        public_text=public_text[:300],
    )
    case_event_recorded.send(sender=Case, case=case, event=event, context=context or {})
    return event


def _public_text(template: str, args: dict[str, Any]) -> str:
    """Fill each half of a "中文 / English" text with its own language's values.

    An argument may be a (Chinese, English) pair, as department names are, so the English
    half names the department in English ("Assigned to Road Maintenance Section").
    """
    zh, _, en = template.partition(" / ")
    zh_args = {k: v[0] if isinstance(v, tuple) else v for k, v in args.items()}
    en_args = {k: v[1] if isinstance(v, tuple) else v for k, v in args.items()}
    return f"{zh.format(**zh_args)} / {en.format(**en_args)}" if en else zh.format(**zh_args)


def _names(*departments) -> tuple[str, str]:
    """Departments' names as a (Chinese, English) pair for a public text."""
    return "、".join(d.name for d in departments), ", ".join(d.name_en or d.name for d in departments)


def _day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}"


# --- intake -------------------------------------------------------------------------------


def event_created(*, case: Case, actor, channel: str, password: str) -> CaseEvent:
    # The password reaches the acknowledgement receiver only; it is never stored.
    return record_event(
        case=case, kind=K.CREATED, actor=actor, to_state=case.state, note=f"channel={channel}",
        context={"password": password},
    )


def event_password_reissued(*, case: Case, actor) -> CaseEvent:
    # Like at intake, the new password is never stored: the event says who issued it, when.
    return record_event(case=case, kind=K.PASSWORD_REISSUED, actor=actor)


def event_lead_converted(*, case: Case, actor, lead_id: int, source: str) -> CaseEvent:
    return record_event(
        case=case, kind=K.LEAD_CONVERTED, actor=actor, note=f"lead={lead_id} source={source}",
        changes={"lead": lead_id},
    )


# --- transitions (recorded by services._run) ------------------------------------------------
# Each takes: case, actor, from_state, to_state, note, changes, plus what its receivers need.


def _transition(kind: CaseEventKind):
    """Mark a transition event function with its kind (services._run reads `.kind`)."""

    def mark(fn):
        fn.kind = kind
        return fn

    return mark


@_transition(K.DISPATCHED)
def event_dispatched(*, case: Case, actor, from_state, to_state, note="", changes=None, department) -> CaseEvent:
    return record_event(
        case=case, kind=K.DISPATCHED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes, public_args={"department": _names(department)},
    )


@_transition(K.ACCEPTED)
def event_accepted(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.ACCEPTED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes
    )


@_transition(K.ASSIGNED)
def event_assigned(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.ASSIGNED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes
    )


@_transition(K.RETURNED_TO_INTAKE)
def event_returned_to_intake(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.RETURNED_TO_INTAKE, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes,
    )


@_transition(K.REPLY_SUBMITTED)
def event_reply_submitted(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.REPLY_SUBMITTED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes,
    )


@_transition(K.REPLY_RETURNED)
def event_reply_returned(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.REPLY_RETURNED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes,
    )


@_transition(K.CLOSED)
def event_closed(*, case: Case, actor, from_state, to_state, note="", changes=None, reply: str) -> CaseEvent:
    return record_event(
        case=case, kind=K.CLOSED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes,
        context={"reply": reply},
    )


@_transition(K.TRANSFERRED)
def event_transferred(
    *, case: Case, actor, from_state, to_state, note="", changes=None, agency: str, reason: str
) -> CaseEvent:
    return record_event(
        case=case, kind=K.TRANSFERRED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes, public_args={"agency": agency.strip()[:200]}, context={"agency": agency, "reason": reason},
    )


@_transition(K.FILED)
def event_filed(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.FILED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes
    )


@_transition(K.MERGED)
def event_merged(*, case: Case, actor, from_state, to_state, note="", changes=None, into: Case) -> CaseEvent:
    return record_event(
        case=case, kind=K.MERGED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes,
        public_args={"into": into.number},
    )


def event_merged_in(*, case: Case, actor, merged: Case) -> CaseEvent:
    """On the carrying case: another case was merged into it."""
    return record_event(case=case, kind=K.MERGED_IN, actor=actor, note=f"{merged.number} 併入本案 / merged into this case")


@_transition(K.REOPENED)
def event_reopened(
    *, case: Case, actor, from_state, to_state, note="", changes=None, previous_due: dt.datetime | None
) -> CaseEvent:
    return record_event(
        case=case, kind=K.REOPENED, actor=actor, from_state=from_state, to_state=to_state, note=note, changes=changes,
        context={"previous_due": previous_due},
    )


@_transition(K.EXTENSION_REQUESTED)
def event_extension_requested(*, case: Case, actor, from_state, to_state, note="", changes=None) -> CaseEvent:
    return record_event(
        case=case, kind=K.EXTENSION_REQUESTED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes,
    )


def _extension_context(extension) -> dict[str, Any]:
    return {
        "reason": extension.reason, "status_text": extension.status_text, "new_due": extension.new_due_at,
        "extension": extension.pk,
    }


@_transition(K.EXTENSION_APPROVED)
def event_extension_approved(
    *, case: Case, actor, from_state, to_state, note="", changes=None, extension
) -> CaseEvent:
    return record_event(
        case=case, kind=K.EXTENSION_APPROVED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes, public_args={"due": _day(extension.new_due_at)}, context=_extension_context(extension),
    )


@_transition(K.EXTENSION_REJECTED)
def event_extension_rejected(
    *, case: Case, actor, from_state, to_state, note="", changes=None, extension
) -> CaseEvent:
    return record_event(
        case=case, kind=K.EXTENSION_REJECTED, actor=actor, from_state=from_state, to_state=to_state, note=note,
        changes=changes, context=_extension_context(extension),
    )


def event_extension_withdrawn(*, case: Case, actor, extension, because: CaseEventKind) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.EXTENSION_WITHDRAWN,
        actor=actor,
        note=f"{extension.decision_note}\n{extension.days} 工作天：{extension.reason}",
        context={"extension": extension.pk, "because": because},
    )


# --- other facts on the timeline -----------------------------------------------------------


def event_identity_revealed(*, case: Case, actor, fields: list[str]) -> CaseEvent:
    return record_event(case=case, kind=K.IDENTITY_REVEALED, actor=actor, changes={"fields": fields})


def event_due_recomputed(*, case: Case, old_due, new_due, reason: str) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.DUE_RECOMPUTED,
        note=reason,
        changes={"due_at": [old_due.isoformat(), new_due.isoformat()]},
        public_args={"due": _day(new_due)},
        context={"old_due": old_due, "new_due": new_due},
    )


def event_note_added(*, case: Case, actor, note_id: int) -> CaseEvent:
    return record_event(case=case, kind=K.NOTE_ADDED, actor=actor, changes={"note": note_id})


def event_surveyed(*, case: Case, score: int, callback_required: bool) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.SURVEYED,
        note=f"{score}/5",
        changes={"satisfaction": [None, score], "callback_required": [False, callback_required]},
    )


def event_citizen_supplement(*, case: Case, message_id: int, note: str, attachments: list[int]) -> CaseEvent:
    """補充陳情: the citizen's text (masked on a confidential case) and the new attachments;
    the handling officer is told (casesys.notifications.staff_receivers)."""
    return record_event(
        case=case,
        kind=K.CITIZEN_SUPPLEMENT,
        note=note,
        changes={"message": message_id, "attachments": attachments},
    )


def event_password_reset(*, case: Case, channel: str) -> CaseEvent:
    # Where the new password went (the channel), never the password itself.
    return record_event(case=case, kind=K.PASSWORD_RESET, note=f"channel={channel}", changes={"channel": channel})


def event_location_set(*, case: Case, actor=None, address: str) -> CaseEvent:
    return record_event(
        case=case, kind=K.LOCATION_SET, actor=actor, note=address,
        changes={"location": [address, str(case.lat), str(case.lng)]},
    )


def event_contact_done(*, case: Case, actor, note: str, task_id: int, method: str) -> CaseEvent:
    return record_event(
        case=case, kind=K.CONTACT_DONE, actor=actor, note=note, changes={"contact_task": task_id, "method": method}
    )


def event_follow_up_opened(*, case: Case, follow_up) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.FOLLOW_UP_OPENED,
        note=f"{follow_up.score}/5",
        changes={"follow_up_due_at": [None, follow_up.due_at.isoformat()]},
        context={"follow_up": follow_up},
    )


def event_follow_up_callback(*, case: Case, actor, text: str, follow_up) -> CaseEvent:
    return record_event(case=case, kind=K.FOLLOW_UP_CALLBACK, actor=actor, note=text, context={"follow_up": follow_up})


def event_second_reply(*, case: Case, actor, text: str, follow_up) -> CaseEvent:
    return record_event(
        case=case, kind=K.SECOND_REPLY, actor=actor, note=text, public_args={},
        context={"reply": text, "follow_up": follow_up},
    )


# --- incidents (casesys.incidents) ------------------------------------------------------------


def event_incident_linked(*, case: Case, actor, incident) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.INCIDENT_LINKED,
        actor=actor,
        note=f"事件 #{incident.pk} / Incident #{incident.pk}",
        changes={"incident": [None, incident.pk]},
        public_args={"title": incident.title},
    )


def event_incident_unlinked(*, case: Case, actor, incident) -> CaseEvent:
    return record_event(
        case=case, kind=K.INCIDENT_UNLINKED, actor=actor, note=f"事件 #{incident.pk} / Incident #{incident.pk}",
        changes={"incident": [incident.pk, None]},
    )


# --- co-handling (casesys.cohandling) ---------------------------------------------------------


def event_co_handlers_added(*, case: Case, actor, note: str, parts: list, departments: list) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.CO_HANDLERS_ADDED,
        actor=actor,
        note=note,
        changes={"parts": [p.pk for p in parts], "departments": [d.code for d in departments]},
        public_args={"departments": _names(*departments)},
        context={"parts": parts},
    )


def event_multi_department_deadline(*, case: Case, actor, unit: str, value: int, old_due: dt.datetime) -> CaseEvent:
    return record_event(
        case=case,
        kind=K.MULTI_DEPARTMENT_DEADLINE,
        actor=actor,
        note=f"{value} {unit}",
        changes={"due_at": [old_due.isoformat(), case.due_at.isoformat()], "sla": [unit, value]},
        public_args={"due": _day(case.due_at)},
        context={"old_due": old_due, "new_due": case.due_at},
    )


def _part_event(kind: CaseEventKind):
    """A co-handling part's transition, on its case's timeline (the part and its department in
    `changes`; the department is public only where the kind has a public text)."""

    def record(*, case: Case, actor, part, from_state: str, to_state: str, note: str = "", public: bool = False) -> CaseEvent:
        return record_event(
            case=case,
            kind=kind,
            actor=actor,
            from_state=from_state,
            to_state=to_state,
            note=note,
            changes={"part": part.pk, "department": part.department.code},
            public_args={"department": _names(part.department)} if public else None,
            context={"part": part},
        )

    record.kind = kind
    record.__name__ = f"event_{kind.value}"
    return record


event_part_accepted = _part_event(K.PART_ACCEPTED)
event_part_assigned = _part_event(K.PART_ASSIGNED)
event_part_reply_submitted = _part_event(K.PART_REPLY_SUBMITTED)
event_part_reply_returned = _part_event(K.PART_REPLY_RETURNED)
event_part_done = _part_event(K.PART_DONE)
event_part_returned = _part_event(K.PART_RETURNED)
event_part_released = _part_event(K.PART_RELEASED)
event_part_reimposed = _part_event(K.PART_REIMPOSED)
event_part_withdrawn = _part_event(K.PART_WITHDRAWN)
