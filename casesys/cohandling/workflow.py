"""The part workflow (django-fsm): who may act on a co-handling part and from which state.

    requested ─accept/assign→ in_progress ─submit_reply→ pending_approval ─approve→ done
        │                        ↑   └──────────return_reply─────────────┘
        └──────return_to_lead────┴──→ returned ─decide_return→ released | requested/in_progress (re-imposed)
    any open state ─withdraw→ withdrawn   (the lead's supervisor, or the case left the agency)

Permissions follow the part's department (its officers and the supervisors of its subtree),
except deciding a return and withdrawing, which are the lead's (the supervisors over the
case's department). Four eyes as for case replies: nobody approves the part reply they
drafted, nor decides the return they made (`CASESYS_FOUR_EYES`).
"""

from __future__ import annotations

from django_fsm import RETURN_VALUE, transition

from casesys.org.models import Role
from casesys.org.roles import has_role, in_subtree, is_admin, user_department

REQUESTED = "requested"
IN_PROGRESS = "in_progress"
PENDING_APPROVAL = "pending_approval"
DONE = "done"
RETURNED = "returned"
RELEASED = "released"
WITHDRAWN = "withdrawn"
OPEN = [REQUESTED, IN_PROGRESS, PENDING_APPROVAL, RETURNED]

OWN_PART_REPLY = "不可核定自己擬辦的協辦答復 / You cannot approve the part reply you drafted."
OWN_RETURN = "不可決定自己提出的退回 / You cannot decide a return you made yourself."


# --- permission predicates (part, user) -> bool ------------------------------------------


def part_member(part, user) -> bool:
    dept = user_department(user)
    return dept is not None and dept.pk == part.department_id


def part_supervisor(part, user) -> bool:
    return has_role(user, Role.SUPERVISOR) and in_subtree(part.department, user_department(user))


def lead_supervisor(part_or_case, user) -> bool:
    """A supervisor over the case's lead department (主辦)."""
    case = getattr(part_or_case, "case", part_or_case)
    return has_role(user, Role.SUPERVISOR) and in_subtree(case.department, user_department(user))


def _four_eyes() -> bool:
    from casesys.cases.workflow import four_eyes

    return four_eyes()


def can_accept(part, user) -> bool:
    if is_admin(user):
        return True
    return has_role(user, Role.OFFICER, Role.SUPERVISOR) and (part_member(part, user) or part_supervisor(part, user))


def can_assign(part, user) -> bool:
    return is_admin(user) or part_supervisor(part, user)


def can_reply(part, user) -> bool:
    if is_admin(user) or part_supervisor(part, user):
        return True
    return has_role(user, Role.OFFICER) and part.officer_id == user.pk


def can_approve(part, user) -> bool:
    supervises = is_admin(user) or part_supervisor(part, user)
    return supervises and not (_four_eyes() and part.replied_by_id is not None and part.replied_by_id == user.pk)


def can_return_reply(part, user) -> bool:
    return is_admin(user) or part_supervisor(part, user)


def can_return_to_lead(part, user) -> bool:
    if is_admin(user) or part_supervisor(part, user):
        return True
    return has_role(user, Role.OFFICER) and part_member(part, user)


def can_decide_return(part, user) -> bool:
    supervises = is_admin(user) or lead_supervisor(part, user)
    return supervises and not (_four_eyes() and part.returned_by_id is not None and part.returned_by_id == user.pk)


def can_withdraw(part, user) -> bool:
    return is_admin(user) or lead_supervisor(part, user)


def can_add_co_handlers(case, user) -> bool:
    """Intake (at dispatch or later), the lead's supervisor, administrators."""
    return is_admin(user) or has_role(user, Role.INTAKE) or lead_supervisor(case, user)


def four_eyes_denial(part, name: str, user) -> str | None:
    if not _four_eyes() or user is None:
        return None
    if name == "approve" and (is_admin(user) or part_supervisor(part, user)) and part.replied_by_id == user.pk:
        return OWN_PART_REPLY
    if name == "decide_return" and (is_admin(user) or lead_supervisor(part, user)) and part.returned_by_id == user.pk:
        return OWN_RETURN
    return None


# --- conditions ----------------------------------------------------------------------------


def _explained(message: str):
    def mark(condition):
        condition.message = message
        return condition

    return mark


@_explained("案件已結案或已離開本機關 / The case is no longer open.")
def case_is_open(part) -> bool:
    return part.case.is_open


# --- bookkeeping ---------------------------------------------------------------------------


def part_done_on_time(part, *, now) -> bool:
    """On time: never past its sub-deadline, and approved by it."""
    if part.missed_due_at is None and now > part.due_at:
        part.missed_due_at = part.due_at
    return part.missed_due_at is None and now <= part.due_at


class PartWorkflow:
    """Mixed into `CasePart`. Each method sets the fields the transition owns."""

    @transition(field="state", source=REQUESTED, target=IN_PROGRESS, permission=can_accept, conditions=[case_is_open])
    def accept(self, *, officer, now):
        self.officer = officer
        self.accepted_at = now

    @transition(
        field="state", source=[REQUESTED, IN_PROGRESS], target=IN_PROGRESS, permission=can_assign, conditions=[case_is_open]
    )
    def assign(self, *, officer, now):
        self.officer = officer
        if self.accepted_at is None:
            self.accepted_at = now

    @transition(
        field="state", source=IN_PROGRESS, target=PENDING_APPROVAL, permission=can_reply, conditions=[case_is_open]
    )
    def submit_reply(self, *, reply, officer, now):
        self.reply = reply
        self.replied_by = officer
        self.reply_submitted_at = now

    @transition(field="state", source=PENDING_APPROVAL, target=IN_PROGRESS, permission=can_return_reply)
    def return_reply(self, *, now):
        self.reply_submitted_at = None

    @transition(field="state", source=PENDING_APPROVAL, target=DONE, permission=can_approve, conditions=[case_is_open])
    def approve(self, *, approver, now):
        self.approved_by = approver
        self.done_at = now
        self.closed_at = now
        self.on_time = part_done_on_time(self, now=now)

    @transition(
        field="state",
        source=[REQUESTED, IN_PROGRESS],
        target=RETURNED,
        permission=can_return_to_lead,
        conditions=[case_is_open],
    )
    def return_to_lead(self, *, reason, by, now):
        self.return_reason = reason
        self.returned_by = by
        self.returned_at = now
        self.return_decision = ""
        self.decided_by = None
        self.decided_at = None
        self.decision_note = ""

    @transition(
        field="state",
        source=RETURNED,
        target=RETURN_VALUE(RELEASED, REQUESTED, IN_PROGRESS),
        permission=can_decide_return,
        conditions=[case_is_open],
    )
    def decide_return(self, *, release, note, by, now):
        self.return_decision = "released" if release else "reimposed"
        self.decided_by = by
        self.decided_at = now
        self.decision_note = note
        if release:
            self.closed_at = now
            return RELEASED
        # Re-imposed: back to whoever had it, or to the department's queue.
        return IN_PROGRESS if self.officer_id else REQUESTED

    @transition(field="state", source=OPEN, target=WITHDRAWN, permission=can_withdraw)
    def withdraw(self, *, now):
        self.closed_at = now


# Part transition names as exposed by the API and the case page, in the UI's order.
PART_TRANSITION_NAMES = [
    "accept",
    "assign",
    "submit_reply",
    "approve",
    "return_reply",
    "return_to_lead",
    "decide_return",
    "withdraw",
]
