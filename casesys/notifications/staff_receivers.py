"""Staff notices queued from case events, in the transaction that wrote the event.

Officers and supervisors are told at each stage that concerns them (in-app, held for office
hours, with an e-mail copy — `notify_staff`):

- dispatched → the supervisors of the receiving department (the nearest level that has
  any). Not every officer: automatic routing dispatches each 1999 call, and a notice per
  case to a whole section is noise; the department queue shows new cases, the supervisor
  assigns them, and the officer is told then;
- assigned (by a supervisor) → the officer, unless they assigned it to themselves; an
  officer who accepts a case from the queue is not told what they just did;
- reply_returned → the officer who drafted the reply, with the supervisor's comment;
- extension_approved / extension_rejected → who requested it, with the decision's note;
- follow_up_opened → the supervisors of the follow-up's department;
- citizen_supplement (補充陳情 from the portal) → the handling officer; unassigned, the
  department's officers (else its nearest supervisors); not yet dispatched, nobody (the
  intake queue shows the case and its timeline).

Every key is derived from the event id, so a receiver run twice for one event queues once.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from casesys.cases.events import CaseEventKind
from casesys.notifications.services import notify_staff_group
from casesys.org.models import Department, Role, StaffProfile


def _base_url() -> str:
    return settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")


def _fmt(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _name(user) -> str:
    if user is None:
        return "系統 / system"
    return user.first_name or user.get_username()


def _department_name(department: Department | None) -> str:
    return department.name if department is not None else ""


def nearest_supervisors(department: Department | None) -> list:
    """Active supervisors of the department, else of the nearest ancestor that has any."""
    if department is None:
        return []
    ancestors = department.ancestors_and_self_ids()
    profiles = [
        p
        for p in StaffProfile.objects.select_related("user", "department").filter(
            department_id__in=ancestors, user__is_active=True
        )
        if p.has_role(Role.SUPERVISOR)
    ]
    if not profiles:
        return []
    nearest = max(len(p.department.path) for p in profiles)
    return sorted((p.user for p in profiles if len(p.department.path) == nearest), key=lambda u: u.pk)


def _context(case, **extra) -> dict:
    return {
        "number": case.number,
        "subject": case.subject,
        "department": _department_name(case.department),
        "due": _fmt(case.due_at),
        "case_url": f"{_base_url()}/desk/cases/{case.number}/",
        **extra,
    }


def _is_actor(user, event) -> bool:
    return user is not None and event.actor_id is not None and user.pk == event.actor_id


def _send(users, template: str, case, event, context: dict) -> None:
    notify_staff_group(
        users=users, template=template, context=context, case=case, dedupe_key=f"staff:{event.kind}:{event.pk}"
    )


def on_case_event_for_staff(sender, case, event, context, **kwargs) -> None:
    kind = event.kind
    if kind == CaseEventKind.DISPATCHED:
        supervisors = [u for u in nearest_supervisors(case.department) if not _is_actor(u, event)]
        _send(supervisors, "staff_case_dispatched", case, event, _context(case, note=event.note))
    elif kind == CaseEventKind.ASSIGNED:
        assignee = case.assignee
        if assignee is not None and not _is_actor(assignee, event):
            ctx = _context(case, by=_name(event.actor), note=event.note)
            _send([assignee], "staff_case_assigned", case, event, ctx)
    elif kind == CaseEventKind.REPLY_RETURNED:
        drafter = case.replied_by
        if drafter is not None and not _is_actor(drafter, event):
            ctx = _context(case, by=_name(event.actor), comment=event.note)
            _send([drafter], "staff_reply_returned", case, event, ctx)
    elif kind in (CaseEventKind.EXTENSION_APPROVED, CaseEventKind.EXTENSION_REJECTED):
        _extension_decided(case, event, context)
    elif kind == CaseEventKind.CITIZEN_SUPPLEMENT:
        _supplement(case, event)
    elif kind == CaseEventKind.FOLLOW_UP_OPENED:
        follow_up = context.get("follow_up")
        if follow_up is not None:
            ctx = _context(
                case,
                score=follow_up.score,
                follow_up_due=_fmt(follow_up.due_at),
                inbox_url=f"{_base_url()}/desk/follow-ups/",
            )
            _send(nearest_supervisors(follow_up.department), "staff_follow_up_opened", case, event, ctx)


def department_officers(department: Department | None) -> list:
    """Active officers of exactly this department (the unassigned case's queue)."""
    if department is None:
        return []
    profiles = StaffProfile.objects.select_related("user").filter(department=department, user__is_active=True)
    return sorted((p.user for p in profiles if p.has_role(Role.OFFICER)), key=lambda u: u.pk)


def _supplement(case, event) -> None:
    if case.assignee is not None:
        users = [case.assignee]
    else:
        users = department_officers(case.department) or nearest_supervisors(case.department)
    files = len((event.changes or {}).get("attachments") or [])
    _send(users, "staff_case_supplement", case, event, _context(case, files=files))


def _extension_decided(case, event, context: dict) -> None:
    from casesys.cases.models import ExtensionRequest

    requests = ExtensionRequest.objects.select_related("requested_by").filter(case=case)
    pk = context.get("extension")
    # The decided request (the event's context names it; else the case's latest decision).
    request = (
        requests.filter(pk=pk).first()
        if pk
        else requests.exclude(decided_at=None).order_by("-decided_at", "-pk").first()
    )
    if request is None or _is_actor(request.requested_by, event):
        return
    ctx = _context(
        case,
        approved=event.kind == CaseEventKind.EXTENSION_APPROVED,
        days=request.days,
        reason=request.reason,
        note=request.decision_note,
        by=_name(event.actor),
        new_due=_fmt(request.new_due_at),
    )
    _send([request.requested_by], "staff_extension_decided", case, event, ctx)
