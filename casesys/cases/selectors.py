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

from casesys.cases.models import Case, CaseEvent, ContactAddress, FollowUp, Petitioner, State
from casesys.org.models import Role
from casesys.org.roles import roles_of, user_department


def case_scope_q(user, *, co_handling: bool = True) -> Q | None:
    """A Q restricting cases to the user's scope; None means unrestricted. Reports pass
    ``co_handling=False``: a department's figures count its own cases, not those it co-handles."""
    roles = roles_of(user)
    if Role.ADMIN in roles or Role.ANALYST in roles:
        return None
    dept = user_department(user)
    q = Q(pk__in=[])
    if Role.SUPERVISOR in roles and dept is not None:
        q |= _subtree_q(dept)
    if Role.OFFICER in roles and dept is not None:
        q |= Q(department=dept) | Q(assignee=user)
    if Role.INTAKE in roles:
        q |= Q(state=State.RECEIVED) | Q(registered_by=user)
    if co_handling:
        q |= co_handling_scope_q(user, roles=roles, dept=dept)
    return q


def _subtree_q(dept) -> Q:
    """Cases of `dept` and the units under it, as department ids rather than a join on the
    path: an index condition PostgreSQL can AND with others (a search term's bitmap)."""
    import casesys.common.lookups  # noqa: F401  (registers `any_of`)
    from casesys.org.models import Department

    return Q(department_id__any_of=Department.objects.filter(path__startswith=dept.path).values("id"))


def co_handling_scope_q(user, *, roles: set[str], dept) -> Q:
    """Co-handling (協辦): a co-handling department's officers and the supervisors over it see
    the case too, as does the officer its part is assigned to (casesys.cohandling)."""
    from casesys.cohandling.models import CasePart

    parts = None
    if Role.SUPERVISOR in roles and dept is not None:
        parts = Q(department__path__startswith=dept.path)
    if Role.OFFICER in roles:
        mine = Q(officer=user) if dept is None else Q(department=dept) | Q(officer=user)
        parts = mine if parts is None else parts | mine
    if parts is None:
        return Q(pk__in=[])
    import casesys.common.lookups  # noqa: F401  (registers `any_of`)

    # `any_of`, not `in`: keeps the scope's OR answerable by indexes (casesys/common/lookups.py).
    return Q(pk__any_of=CasePart.objects.filter(parts).order_by().values("case_id"))


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


# --- the same petitioner ----------------------------------------------------------------


def petitioner_match_q(pets: list[Petitioner]) -> Q:
    """Petitioners sharing any normalised contact key (phone, e-mail, or an address on a
    connector channel such as a chat id) with one of `pets`, or being one of them."""
    q = Q(pk__in=[p.pk for p in pets])
    for pet in pets:
        if pet.phone_key:
            q |= Q(phone_key=pet.phone_key)
        if pet.email_key:
            q |= Q(email_key=pet.email_key)
    addresses = ContactAddress.objects.filter(petitioner__in=[p.pk for p in pets]).values_list("channel", "address")
    for channel, address in addresses:
        q |= Q(pk__in=ContactAddress.objects.filter(channel=channel, address=address).values("petitioner_id"))
    return q


def same_petitioner_cases(case: Case, *, user=None) -> QuerySet[Case]:
    """Other cases of the same petitioner, recognised by normalised phone, e-mail or a
    connector address such as a chat id (also as a co-petitioner of a merged case), newest first.

    With `user`, only cases that user may see. Rows carry number, subject, state and dates
    only: a match never brings the other case's petitioner along, so it reveals nothing
    that masking hides (the keys are compared in the database, never shown)."""
    pets = []
    if case.petitioner_id:
        pets.append(case.petitioner)
    pets.extend(case.co_petitioners.all())
    if not pets:
        return Case.objects.none()
    matching = Petitioner.objects.filter(petitioner_match_q(pets)).values("pk")
    qs = cases_visible_to(user) if user is not None else Case.objects.all()
    as_co_petitioner = Case.co_petitioners.through.objects.filter(petitioner__in=matching).values("case_id")
    return (
        qs.filter(Q(petitioner__in=matching) | Q(pk__in=as_co_petitioner))
        .exclude(pk=case.pk)
        .only("id", "number", "subject", "state", "version", "received_at", "closed_at")
        .order_by("-received_at", "-id")
    )


# --- follow-ups (回訪) ---------------------------------------------------------------------


def follow_ups_for_inbox(*, user, status: str = FollowUp.Status.OPEN) -> QuerySet[FollowUp]:
    """Follow-ups in the caller's charge: their subtree (supervisors), all (administrators);
    soonest due first."""
    roles = roles_of(user)
    qs = FollowUp.objects.filter(status=status).select_related("case", "department", "closed_by")
    if Role.ADMIN in roles:
        pass
    elif Role.SUPERVISOR in roles and user_department(user) is not None:
        qs = qs.filter(department__path__startswith=user_department(user).path)
    else:
        return qs.none()
    return qs.order_by("due_at", "id")


def case_follow_ups(case: Case) -> QuerySet[FollowUp]:
    return case.follow_ups.select_related("closed_by").order_by("opened_at", "id")


def case_second_replies(case: Case) -> QuerySet[FollowUp]:
    """Second replies sent to the petitioner (shown on their status page)."""
    return case.follow_ups.filter(status=FollowUp.Status.DONE, method=FollowUp.Method.SECOND_REPLY).order_by("closed_at", "id")


def case_assignable_officers(case: Case) -> QuerySet:
    """Users who can take the case: the rule `services.case_assign` enforces
    (`workflow.assignee_problem`). The department subtree and its ancestors come from the
    database (indexed path prefix); roles are checked per profile (a JSON list)."""
    from django.contrib.auth import get_user_model

    from casesys.cases.workflow import assignee_problem
    from casesys.org.models import StaffProfile

    dept = case.department
    if dept is None:
        return get_user_model().objects.none()
    parts = [p for p in dept.path.split("/") if p]
    ancestors = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    profiles = StaffProfile.objects.select_related("department", "user").filter(
        Q(department__path__startswith=dept.path) | Q(department__path__in=ancestors), user__is_active=True
    )
    ids = [p.user_id for p in profiles if assignee_problem(case, p) is None]
    return get_user_model().objects.filter(pk__in=ids).order_by("username")
