"""Reads of co-handling parts, scoped like cases (casesys.cases.selectors)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casesys.cases.models import Case
from casesys.cases.selectors import cases_visible_to
from casesys.cohandling.models import OPEN_PART_Q, CasePart, PartState
from casesys.org.models import Role
from casesys.org.roles import roles_of, user_department


def case_parts(case: Case) -> list[CasePart]:
    """Every part of the case, for its page and its API detail."""
    return list(
        CasePart.objects.filter(case=case)
        .select_related("department", "officer", "replied_by", "approved_by", "returned_by", "decided_by")
        .order_by("requested_at", "id")
    )


def part_get(*, user, case: Case, part_id) -> CasePart | None:
    """A part of a case the user may see (the case's visibility is the caller's check)."""
    try:
        part_id = int(part_id)
    except (TypeError, ValueError):
        return None
    part = CasePart.objects.select_related("department", "case", "case__department").filter(case=case, pk=part_id).first()
    if part is not None:
        part.case = case  # the caller's copy: transitions check its state
    return part


def parts_for_queue(*, user, scope: str = "department") -> QuerySet[CasePart]:
    """Open parts the user's department is asked to co-handle ("mine": assigned to the user),
    soonest sub-deadline first. Supervisors see their subtree's."""
    roles = roles_of(user)
    dept = user_department(user)
    qs = CasePart.objects.filter(OPEN_PART_Q).exclude(state=PartState.RETURNED)
    if scope == "mine":
        qs = qs.filter(officer=user)
    elif Role.ADMIN in roles:
        pass
    elif Role.SUPERVISOR in roles and dept is not None:
        qs = qs.filter(Q(department__path__startswith=dept.path) | Q(officer=user))
    elif Role.OFFICER in roles and dept is not None:
        qs = qs.filter(Q(department=dept) | Q(officer=user))
    else:
        return qs.none()
    return qs.filter(case__in=cases_visible_to(user)).select_related("case", "case__department", "department", "officer").order_by(
        "due_at", "id"
    )


def returned_parts_for(*, user) -> QuerySet[CasePart]:
    """Parts returned as "not ours", waiting for the decision of a supervisor over the lead."""
    from casesys.cohandling.workflow import can_decide_return

    qs = CasePart.objects.filter(state=PartState.RETURNED, case__in=cases_visible_to(user)).select_related(
        "case", "case__department", "department", "returned_by"
    )
    return [p for p in qs.order_by("returned_at", "id")[:200] if can_decide_return(p, user)]


def part_approvals_for(*, user) -> list[CasePart]:
    """Part replies the user may approve (four eyes: not their own)."""
    from casesys.cohandling.workflow import can_approve

    qs = CasePart.objects.filter(state=PartState.PENDING_APPROVAL, case__in=cases_visible_to(user)).select_related(
        "case", "department", "replied_by"
    )
    return [p for p in qs.order_by("due_at", "id")[:200] if can_approve(p, user)]
