"""Staff notices for co-handling: a department asked to co-handle, a part returned to the
lead, a part reply returned, a part done. In-app (office hours) with an e-mail copy."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from casesys.cases.events import CaseEventKind as K
from casesys.org.models import Role, StaffProfile
from casesys.workcal.calendar import WorkCalendar

HANDLED = {K.CO_HANDLERS_ADDED, K.PART_RETURNED, K.PART_REPLY_RETURNED, K.PART_DONE, K.PART_ASSIGNED}


def _fmt(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _department_staff(department, *, roles: tuple[str, ...]) -> list:
    return [
        p.user
        for p in StaffProfile.objects.select_related("user").filter(department=department, user__is_active=True)
        if any(p.has_role(r) for r in roles)
    ]


def _context(case, part, **extra) -> dict:
    base = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "number": case.number,
        "subject": case.subject,
        "department": part.department.name,
        "department_en": part.department.name_en or part.department.name,
        "lead": case.department.name if case.department_id else "",
        "lead_en": (case.department.name_en or case.department.name) if case.department_id else "",
        "due": _fmt(part.due_at),
        "request": part.request_note,
        "case_url": f"{base}/desk/cases/{case.number}/",
        **extra,
    }


def _send(users, template: str, case, event, context: dict) -> None:
    from casesys.notifications.services import notify_staff

    calendar = WorkCalendar.load()
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active or user.pk == event.actor_id:
            continue
        seen.add(user.pk)
        notify_staff(user=user, template=template, context=context, case=case,
                     dedupe_key=f"staff:{event.kind}:{event.pk}:{context.get('part_id', '')}", calendar=calendar)


def on_part_event(*, case, event, context: dict) -> None:
    from casesys.notifications.staff_receivers import nearest_supervisors

    if event.kind == K.CO_HANDLERS_ADDED:
        for part in context.get("parts") or []:
            # The co-handling department's officers see it in their queue; its supervisors
            # assign it. Both are told.
            users = _department_staff(part.department, roles=(Role.OFFICER,)) + nearest_supervisors(part.department)
            _send(users, "staff_part_requested", case, event, _context(case, part, part_id=part.pk))
        return
    part = context.get("part")
    if part is None:
        return
    if event.kind == K.PART_RETURNED:
        ctx = _context(case, part, part_id=part.pk, reason=part.return_reason)
        _send(nearest_supervisors(case.department), "staff_part_returned", case, event, ctx)
    elif event.kind == K.PART_REPLY_RETURNED:
        ctx = _context(case, part, part_id=part.pk, comment=event.note)
        _send([part.replied_by], "staff_part_reply_returned", case, event, ctx)
    elif event.kind == K.PART_ASSIGNED:
        _send([part.officer], "staff_part_requested", case, event, _context(case, part, part_id=part.pk))
    elif event.kind == K.PART_DONE:
        ctx = _context(case, part, part_id=part.pk)
        _send([case.assignee] if case.assignee_id else nearest_supervisors(case.department),
              "staff_part_done", case, event, ctx)
