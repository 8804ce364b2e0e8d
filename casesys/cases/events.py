"""Audit events: one small function per kind, all through `record_event`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from casesys.cases.models import Case, CaseEvent
from casesys.cases.signals import case_event_recorded

# Citizen-facing timeline texts (Traditional Chinese first, English second).
PUBLIC_TEXT = {
    "created": "案件已受理 / Case received",
    "dispatched": "已分派承辦單位：{department} / Assigned to {department}",
    "accepted": "承辦人已開始處理 / An officer is handling the case",
    "assigned": "承辦人已開始處理 / An officer is handling the case",
    "returned_to_intake": "重新分派中 / Being reassigned",
    "reply_submitted": "答復內容簽核中 / Reply under review",
    "reply_returned": "答復內容修正中 / Reply being revised",
    "closed": "已結案並答復 / Closed with a reply",
    "transferred": "已移請 {agency} 處理 / Transferred to {agency}",
    "filed": "依規定存查 / Filed for reference",
    "merged": "已併入案件 {into} 辦理 / Merged into case {into}",
    "reopened": "案件重新處理 / Case reopened",
    "extension_approved": "處理期限展延至 {due} / Deadline extended to {due}",
    "due_recomputed": "因辦公日曆異動，處理期限調整為 {due} / Deadline moved to {due} after a calendar change",
    "second_reply": "機關已再次答復 / A second reply was sent",
    # casesys.incidents: the incident's title is public (it is what the event is called).
    "incident_linked": "與同一事件的其他通報併同處理：{title} / Handled together with other reports of: {title}",
    # co-handling (casesys.cohandling): departments are named, staff never
    "co_handlers_added": "會同 {departments} 協同辦理 / {departments} co-handling the case",
    "multi_department_deadline": "多單位協同辦理，處理期限調整為 {due} / Handled by several departments: deadline now {due}",
    "part_done": "{department} 已完成協辦 / {department} has completed its part",
}


def record_event(
    *,
    case: Case,
    kind: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    changes: dict[str, Any] | None = None,
    public_args: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> CaseEvent:
    public_text = ""
    if kind in PUBLIC_TEXT:
        public_text = PUBLIC_TEXT[kind].format(**(public_args or {}))
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


def event_identity_revealed(*, case: Case, actor, fields: list[str]) -> CaseEvent:
    return record_event(case=case, kind="identity_revealed", actor=actor, changes={"fields": fields})


def event_due_recomputed(*, case: Case, old_due, new_due, reason: str) -> CaseEvent:
    return record_event(
        case=case,
        kind="due_recomputed",
        note=reason,
        changes={"due_at": [old_due.isoformat(), new_due.isoformat()]},
        public_args={"due": f"{timezone.localtime(new_due):%Y-%m-%d}"},
        context={"old_due": old_due, "new_due": new_due},
    )
