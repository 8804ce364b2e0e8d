"""The case workflow: every transition, who may run it and from which state.

Transitions only change the in-memory case; the matching function in `services` checks
the caller's permission, saves with `update_fields`, writes the audit event and queues
side effects. State names are plain strings here because this mixin is imported by
`models` (see `models.State` for their labels).

    received ─dispatch→ dispatched ─accept/assign→ in_progress ─submit_reply→ pending_approval ─approve→ closed
                                                      ↑    └───────────return_reply──────────────┘          │
                                                      └────────────────────reopen──────────────────────────┘
    received/dispatched/in_progress ─transfer→ transferred | ─file→ filed | ─merge→ merged
    dispatched/in_progress ─return_to_intake→ received
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_fsm import transition

from casesys.org.models import Role
from casesys.org.roles import has_role, in_subtree, is_admin, roles_of, user_department

RECEIVED = "received"
DISPATCHED = "dispatched"
IN_PROGRESS = "in_progress"
PENDING_APPROVAL = "pending_approval"
CLOSED = "closed"
TRANSFERRED = "transferred"
FILED = "filed"
MERGED = "merged"
ACTIVE = [RECEIVED, DISPATCHED, IN_PROGRESS]


# --- permission predicates (instance, user) -> bool -------------------------------------


def _dept_member(case, user) -> bool:
    dept = user_department(user)
    return dept is not None and case.department_id is not None and case.department_id == dept.id


def _dept_supervisor(case, user) -> bool:
    return has_role(user, Role.SUPERVISOR) and in_subtree(case.department, user_department(user))


def can_dispatch(case, user) -> bool:
    return is_admin(user) or has_role(user, Role.INTAKE)


def can_accept(case, user) -> bool:
    if is_admin(user):
        return True
    return has_role(user, Role.OFFICER, Role.SUPERVISOR) and (_dept_member(case, user) or _dept_supervisor(case, user))


def can_assign(case, user) -> bool:
    return is_admin(user) or _dept_supervisor(case, user)


def can_return_to_intake(case, user) -> bool:
    if is_admin(user) or _dept_supervisor(case, user):
        return True
    return has_role(user, Role.OFFICER) and _dept_member(case, user)


def can_reply(case, user) -> bool:
    if is_admin(user) or _dept_supervisor(case, user):
        return True
    return has_role(user, Role.OFFICER) and case.assignee_id == user.pk


# Who may be assigned a case (the assign action's list and `services.case_assign` both ask):
# an active officer or supervisor in the case's department or below it, or a supervisor over it.
NOT_AN_OFFICER = "此人員不是承辦人 / This person is not a case officer."
NOT_IN_DEPARTMENT = "承辦人須屬於承辦單位 / The officer must belong to the case's department."


def assignee_problem(case, profile) -> str | None:
    """Why `profile` (a StaffProfile with its department) cannot take `case`, or None."""
    if profile is None or not profile.user.is_active:
        return NOT_AN_OFFICER
    if not (profile.has_role(Role.OFFICER) or profile.has_role(Role.SUPERVISOR)):
        return NOT_AN_OFFICER
    dept = case.department
    if dept is None:
        return NOT_IN_DEPARTMENT
    in_department = profile.department.path.startswith(dept.path)
    supervises_it = profile.has_role(Role.SUPERVISOR) and dept.path.startswith(profile.department.path)
    return None if in_department or supervises_it else NOT_IN_DEPARTMENT


# Four eyes (核稿): approving a reply or deciding an extension is a second person's act.
OWN_REPLY = "不可核定自己擬辦的答復 / You cannot approve your own reply."
OWN_EXTENSION = "不可核定自己申請的展延 / You cannot decide your own extension request."


def four_eyes() -> bool:
    return bool(settings.CASESYS.get("FOUR_EYES", True))


def _supervises(case, user) -> bool:
    return is_admin(user) or _dept_supervisor(case, user)


def _drafted_reply(case, user) -> bool:
    return case.replied_by_id is not None and case.replied_by_id == user.pk


def _pending_requester_id(case) -> int | None:
    return case.extensions.filter(status="pending").values_list("requested_by_id", flat=True).first()


def can_approve(case, user) -> bool:
    """Approve a reply: a supervisor over the case (or an administrator), never its drafter."""
    return _supervises(case, user) and not (four_eyes() and _drafted_reply(case, user))


def can_return_reply(case, user) -> bool:
    # Sending a reply back for revision approves nothing: its drafter may take it back too.
    return _supervises(case, user)


def can_decide_extension(case, user, *, requested_by_id: int | None = None) -> bool:
    """Decide an extension request: a supervisor over the case, never the one who asked."""
    if not _supervises(case, user):
        return False
    if not four_eyes():
        return True
    if requested_by_id is None:
        requested_by_id = _pending_requester_id(case)
    return requested_by_id is None or requested_by_id != user.pk


def four_eyes_denial(case, name: str, user) -> str | None:
    """The reason a supervisor may not run `name` when four eyes is the only obstacle."""
    if not four_eyes() or user is None or not _supervises(case, user):
        return None
    if name == "approve" and _drafted_reply(case, user):
        return OWN_REPLY
    if name == "decide_extension" and _pending_requester_id(case) == user.pk:
        return OWN_EXTENSION
    return None


def can_route_out(case, user) -> bool:
    """Transfer, file or merge: intake while the case is with intake, else its supervisor."""
    if is_admin(user) or _dept_supervisor(case, user):
        return True
    return has_role(user, Role.INTAKE) and case.department_id is None


def can_request_extension(case, user) -> bool:
    if is_admin(user):
        return True
    return has_role(user, Role.OFFICER, Role.SUPERVISOR) and case.assignee_id == user.pk


def can_reopen(case, user) -> bool:
    return is_admin(user) or _dept_supervisor(case, user) or has_role(user, Role.INTAKE)


def is_staff_actor(user) -> bool:
    return bool(roles_of(user))


# --- conditions -------------------------------------------------------------------------
# Each condition carries the message shown when it is what stops the transition (409).


def _explained(message: str):
    def mark(condition):
        condition.message = message
        return condition

    return mark


@_explained("已超過可重新處理的期間 / The case was closed too long ago to be reopened.")
def within_reopen_window(case) -> bool:
    if case.closed_at is None:
        return False
    window = dt.timedelta(days=settings.CASESYS["REOPEN_WINDOW_DAYS"])
    return timezone.now() <= case.closed_at + window


@_explained("已有展延申請待核 / An extension request is already pending.")
def has_no_pending_extension(case) -> bool:
    return not case.extensions.filter(status="pending").exists()


@_explained(
    "展延申請待核中，主管核定後才能送出答復 / An extension request is pending: "
    "the reply can be submitted once a supervisor has decided it."
)
def no_extension_awaiting_decision(case) -> bool:
    return not case.extensions.filter(status="pending").exists()


@_explained("沒有待核的展延申請 / There is no pending extension request.")
def has_pending_extension(case) -> bool:
    return case.extensions.filter(status="pending").exists()


@_explained(
    "案件已逾處理期限，不能申請展延 / The case is past its deadline: "
    "an extension can only be requested before it is due."
)
def not_yet_due(case) -> bool:
    return timezone.now() <= case.due_at


# --- co-handling (主辦 / 協辦): the case waits for its parts ----------------------------------
# Parts live in casesys.cohandling (`case.parts`); states as plain strings, as above.
PART_SETTLED = ("done", "released", "withdrawn")


@_explained(
    "協辦單位尚未全部完成或免協辦，不能送出或核定答復 / Every co-handling part must be done or released "
    "before the reply can be submitted or approved."
)
def parts_settled(case) -> bool:
    return not case.parts.exclude(state__in=PART_SETTLED).exists()


# --- on-time bookkeeping -----------------------------------------------------------------


def note_missed_deadline(case, *, now: dt.datetime) -> None:
    """Remember the deadline in force when the case first went past it (this round).

    Stamped by every decision that moves the deadline or closes the case (an extension
    approved after the old deadline cannot hide the miss), not by a bulk update: until then
    the miss is `missed_deadline(case, now)` — the deadline itself, once past — and a
    deadline moved by a later-declared closure is judged as corrected."""
    if case.missed_due_at is None and now > case.due_at:
        case.missed_due_at = case.due_at


def missed_deadline(case, *, now: dt.datetime) -> dt.datetime | None:
    """The deadline this round missed, as a report or the API shows it."""
    if case.missed_due_at is not None:
        return case.missed_due_at
    is_open = case.state in (*ACTIVE, PENDING_APPROVAL)
    return case.due_at if is_open and case.due_at is not None and now > case.due_at else None


def closed_on_time(case, *, now: dt.datetime) -> bool:
    """On time: never past a deadline in this round, and closed by the one in force."""
    note_missed_deadline(case, now=now)
    return case.missed_due_at is None and now <= case.due_at


class CaseWorkflow:
    """Mixed into `Case`. Each method's body sets the fields the transition owns."""

    @transition(field="state", source=RECEIVED, target=DISPATCHED, permission=can_dispatch)
    def dispatch(self, *, department, now):
        self.department = department
        self.dispatched_at = now
        self.assignee = None

    @transition(field="state", source=DISPATCHED, target=IN_PROGRESS, permission=can_accept)
    def accept(self, *, officer, now):
        self.assignee = officer
        self.accepted_at = now

    @transition(field="state", source=[DISPATCHED, IN_PROGRESS], target=IN_PROGRESS, permission=can_assign)
    def assign(self, *, officer, now):
        self.assignee = officer
        if self.accepted_at is None:
            self.accepted_at = now

    @transition(field="state", source=[DISPATCHED, IN_PROGRESS], target=RECEIVED, permission=can_return_to_intake)
    def return_to_intake(self, *, now):
        self.department = None
        self.assignee = None
        self.dispatched_at = None
        self.accepted_at = None

    @transition(
        field="state",
        source=IN_PROGRESS,
        target=PENDING_APPROVAL,
        permission=can_reply,
        conditions=[no_extension_awaiting_decision, parts_settled],
    )
    def submit_reply(self, *, reply, officer, now):
        self.reply = reply
        self.replied_by = officer
        self.reply_submitted_at = now

    @transition(field="state", source=PENDING_APPROVAL, target=IN_PROGRESS, permission=can_return_reply)
    def return_reply(self, *, now):
        self.reply_submitted_at = None

    @transition(field="state", source=PENDING_APPROVAL, target=CLOSED, permission=can_approve, conditions=[parts_settled])
    def approve(self, *, approver, now):
        self.approved_by = approver
        self.closed_at = now
        self.on_time = closed_on_time(self, now=now)

    @transition(field="state", source=ACTIVE, target=TRANSFERRED, permission=can_route_out)
    def transfer(self, *, agency, now, site_visit=False, transfer_due=None):
        # Not answered, so neither on time nor late (依限結案率 counts answers only); a transfer
        # has its own deadline.
        self.transferred_to = agency
        self.closed_at = now
        self.on_time = None
        self.site_visit = self.site_visit or site_visit
        self.transfer_on_time = None if transfer_due is None else now <= transfer_due

    @transition(field="state", source=ACTIVE, target=FILED, permission=can_route_out)
    def file(self, *, reason_code, repeat_of, reply, now):
        self.filed_reason = reason_code
        self.repeat_of = repeat_of
        if reply:
            self.reply = reply
        self.closed_at = now
        self.on_time = None  # not answered: neither on time nor late

    @transition(field="state", source=ACTIVE, target=MERGED, permission=can_route_out)
    def merge(self, *, into, now):
        self.merged_into = into
        self.closed_at = now
        self.on_time = None

    @transition(
        field="state", source=CLOSED, target=IN_PROGRESS, permission=can_reopen, conditions=[within_reopen_window]
    )
    def reopen(self, *, now, calendar):
        from casesys.cases import deadlines  # deadlines imports the models, which import us

        self.closed_at = None
        self.on_time = None
        self.approved_by = None
        self.satisfaction = None
        self.surveyed_at = None
        # A fresh round: a fresh deadline under the frozen rule, counted from now.
        self.clock_started_at = now
        self.extension_days = 0
        self.missed_due_at = None
        self.due_at = deadlines.case_due(self, calendar)
        self.reopen_count += 1

    @transition(
        field="state",
        source=IN_PROGRESS,
        target=IN_PROGRESS,
        permission=can_request_extension,
        conditions=[has_no_pending_extension, not_yet_due],
    )
    def request_extension(self):
        pass

    @transition(
        field="state",
        source=IN_PROGRESS,
        target=IN_PROGRESS,
        permission=can_decide_extension,
        conditions=[has_pending_extension],
    )
    def decide_extension(self, *, new_due_at, extension_days, now):
        # Decided after the old deadline passed: the case stays late whatever the new date.
        note_missed_deadline(self, now=now)
        if new_due_at is not None:
            self.due_at = new_due_at
            self.extension_days = extension_days


# Transition names as exposed by the API, in the order the UI shows them.
TRANSITION_NAMES = [
    "dispatch",
    "accept",
    "assign",
    "submit_reply",
    "approve",
    "return_reply",
    "request_extension",
    "decide_extension",
    "return_to_intake",
    "transfer",
    "file",
    "merge",
    "reopen",
]
