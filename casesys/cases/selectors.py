"""Reads of cases, scoped to what the caller may see.

Scope rules (a case outside them must look like it does not exist, i.e. 404):
- administrators and analysts: every case;
- supervisors: cases of their department's subtree;
- officers: cases of their own department (and cases assigned to them);
- intake staff: the intake queue (state `received`) and cases they registered.
Roles combine: the union of each role's scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casesys.cases.models import Case, CaseEvent, State
from casesys.org.models import Role
from casesys.org.roles import roles_of, user_department


def case_scope_q(user) -> Q | None:
    """A Q restricting cases to the user's scope; None means unrestricted."""
    roles = roles_of(user)
    if Role.ADMIN in roles or Role.ANALYST in roles:
        return None
    dept = user_department(user)
    q = Q(pk__in=[])
    if Role.SUPERVISOR in roles and dept is not None:
        q |= Q(department__path__startswith=dept.path)
    if Role.OFFICER in roles and dept is not None:
        q |= Q(department=dept) | Q(assignee=user)
    if Role.INTAKE in roles:
        q |= Q(state=State.RECEIVED) | Q(registered_by=user)
    return q


def cases_visible_to(user) -> QuerySet[Case]:
    if not roles_of(user):
        return Case.objects.none()
    q = case_scope_q(user)
    qs = Case.objects.all()
    return qs if q is None else qs.filter(q)


def case_get_visible(*, user, number: str) -> Case | None:
    return cases_visible_to(user).filter(number=number).select_related(
        "category", "department", "assignee", "urgency", "petitioner"
    ).first()


def case_get_by_number(*, number: str) -> Case | None:
    """Unscoped lookup for the citizen status page (the password check is the caller's job)."""
    if not number or len(number) > Case._meta.get_field("number").max_length or "\x00" in number:
        return None
    return Case.objects.filter(number=number).select_related("category", "department").first()


def case_list_for(user) -> QuerySet[Case]:
    """The caller's visible cases with what a list row shows, joined in one query."""
    # Only the columns a list row shows: at 50 rows a page the cost of a queue is building
    # model instances, not the indexed query. `state` and `version` are read on init.
    return (
        cases_visible_to(user)
        .select_related("category", "department", "assignee")
        .only(
            "id", "number", "subject", "state", "version", "channel", "received_at", "due_at",
            "category__code", "department__code", "assignee__username",
        )
    )


def case_search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Substring match on case number, subject and description.

    Chinese has no word boundaries, so this is a substring match; on PostgreSQL it is
    backed by the bigram GIN index of `casesys.cases.search`.
    """
    from casesys.cases.search import case_search as _bigram_search

    return _bigram_search(qs, q)


def case_approvers(case: Case, *, excluding: int | None = None) -> list:
    """Who can approve the case's reply besides `excluding` (its drafter, under four eyes):
    the nearest active supervisors above or in its department, so a supervisor's own draft
    waits for another supervisor of the subtree, else for one of the parent department."""
    from casesys.org.models import StaffProfile

    if case.department_id is None:
        return []
    codes = [c for c in case.department.path.strip("/").split("/") if c]
    prefixes = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    supervisors = [
        p
        for p in StaffProfile.objects.select_related("user", "department")
        .filter(department__path__in=prefixes, user__is_active=True)
        .exclude(user_id=excluding)
        if p.has_role(Role.SUPERVISOR)
    ]
    nearest = max((len(p.department.path) for p in supervisors), default=0)
    return sorted((p.user for p in supervisors if len(p.department.path) == nearest), key=lambda u: u.username)


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def case_public_timeline(case: Case) -> QuerySet[CaseEvent]:
    """Events the citizen may see: only their fixed public texts, never notes or actors."""
    return case.events.filter(public=True).order_by("at", "id")
