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


def can_approve(case, user) -> bool:
    return is_admin(user) or _dept_supervisor(case, user)


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


def within_reopen_window(case) -> bool:
    if case.closed_at is None:
        return False
    window = dt.timedelta(days=settings.CASESYS["REOPEN_WINDOW_DAYS"])
    return timezone.now() <= case.closed_at + window


def has_no_pending_extension(case) -> bool:
    return not case.extensions.filter(status="pending").exists()


def has_pending_extension(case) -> bool:
    return case.extensions.filter(status="pending").exists()


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

    @transition(field="state", source=IN_PROGRESS, target=PENDING_APPROVAL, permission=can_reply)
    def submit_reply(self, *, reply, officer, now):
        self.reply = reply
        self.replied_by = officer
        self.reply_submitted_at = now

    @transition(field="state", source=PENDING_APPROVAL, target=IN_PROGRESS, permission=can_approve)
    def return_reply(self, *, now):
        self.reply_submitted_at = None

    @transition(field="state", source=PENDING_APPROVAL, target=CLOSED, permission=can_approve)
    def approve(self, *, approver, now):
        self.approved_by = approver
        self.closed_at = now
        self.on_time = now <= self.due_at

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
    def reopen(self, *, now):
        self.closed_at = None
        self.on_time = None
        self.approved_by = None
        self.satisfaction = None
        self.surveyed_at = None

    @transition(
        field="state",
        source=IN_PROGRESS,
        target=IN_PROGRESS,
        permission=can_request_extension,
        conditions=[has_no_pending_extension],
    )
    def request_extension(self):
        pass

    @transition(
        field="state", source=IN_PROGRESS, target=IN_PROGRESS, permission=can_approve, conditions=[has_pending_extension]
    )
    def decide_extension(self, *, new_due_at, extension_days):
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
