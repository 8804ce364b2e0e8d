"""Co-handling (主辦 / 協辦): one part per co-handling department of a case.

The case keeps its one lead department (`Case.department`, 主辦) and its one consolidated
reply; each co-handling department (協辦) gets a `CasePart` with its own officer, its own
sub-deadline and its own reply part, approved inside that department (four eyes). The case
cannot be approved (closed) while a part is neither done nor released.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from casesys.cohandling.workflow import PartWorkflow
from casesys.common.versioning import VersionLocked


class PartState(models.TextChoices):
    REQUESTED = "requested", _("待簽收 / Requested")
    IN_PROGRESS = "in_progress", _("協辦中 / In progress")
    PENDING_APPROVAL = "pending_approval", _("待核定 / Pending approval")
    DONE = "done", _("已完成 / Done")
    RETURNED = "returned", _("退回主辦（非屬本單位）/ Returned: not ours")
    RELEASED = "released", _("免協辦 / Released")
    WITHDRAWN = "withdrawn", _("已撤銷 / Withdrawn")


OPEN_PART_STATES = (PartState.REQUESTED, PartState.IN_PROGRESS, PartState.PENDING_APPROVAL, PartState.RETURNED)
SETTLED_PART_STATES = (PartState.DONE, PartState.RELEASED, PartState.WITHDRAWN)
OPEN_PART_Q = Q(state__in=[s.value for s in OPEN_PART_STATES])


class PartRole(models.TextChoices):
    CO_HANDLER = "co", _("協辦 / Co-handler")


class ReturnDecision(models.TextChoices):
    RELEASED = "released", _("同意免協辦 / Released")
    REIMPOSED = "reimposed", _("仍請協辦 / Re-imposed")


class CasePart(PartWorkflow, VersionLocked, ConcurrentTransitionMixin, models.Model):
    # Optimistic concurrency, as on Case.
    version_conflict = "Case part changed since it was read (version mismatch)."

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="parts", verbose_name=_("案件 / case"))
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="case_parts", verbose_name=_("協辦單位 / department")
    )
    role = models.CharField(_("角色 / role"), max_length=10, choices=PartRole.choices, default=PartRole.CO_HANDLER)
    state = FSMField(_("狀態 / state"), default=PartState.REQUESTED, choices=PartState.choices, protected=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    # What the lead asks this department to do (shown in the co-handler's queue).
    request_note = models.TextField(_("請協辦事項 / what is asked"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("請協辦時間 / requested at"), default=timezone.now)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parts",
        verbose_name=_("協辦人 / officer"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("協辦期限 / sub-deadline"))
    # True while the sub-deadline is the default (N working days before the case's): it then
    # follows the case's deadline when an extension or a calendar change moves that.
    due_follows_case = models.BooleanField(default=True)
    # The deadline in force when the part first went past it (as `Case.missed_due_at`).
    missed_due_at = models.DateTimeField(null=True, blank=True)

    reply = models.TextField(_("協辦答復 / reply part"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("完成時間 / done at"), null=True, blank=True)
    on_time = models.BooleanField(_("依限完成 / on time"), null=True, blank=True)

    return_reason = models.TextField(_("退回理由 / reason for returning"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_decision = models.CharField(max_length=10, choices=ReturnDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # done, released or withdrawn

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "requested_at", "id"]
        verbose_name = _("協辦 / case part")
        verbose_name_plural = _("協辦 / case parts")
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="case_part_unique_department"),
        ]
        indexes = [
            # The co-handler's queue and the part scan only look at open parts.
            models.Index(fields=["department", "due_at"], condition=OPEN_PART_Q, name="case_part_open_dept_due"),
            models.Index(fields=["officer", "due_at"], condition=OPEN_PART_Q, name="case_part_open_officer_due"),
            models.Index(fields=["due_at"], condition=OPEN_PART_Q, name="case_part_open_due"),
            models.Index(fields=["closed_at"], name="case_part_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.department_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PART_STATES

    @property
    def is_overdue(self) -> bool:
        return self.state in (PartState.REQUESTED, PartState.IN_PROGRESS, PartState.PENDING_APPROVAL) and (
            timezone.now() > self.due_at
        )


class PartReminder(models.Model):
    """Proof that a reminder was sent for one (part, rule, level, due date): as
    `reminders.Reminder` for cases, its unique key makes the part scan idempotent."""

    part = models.ForeignKey(CasePart, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField(default=0)
    due_for = models.DateTimeField()
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["part", "kind", "level", "due_for"], name="part_reminder_unique_key"),
        ]
