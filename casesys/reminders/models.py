"""Escalation rules (data, editable in the admin) and the reminders they produced.

A `Reminder` row is the proof that a reminder was sent for one (case, rule, level, the due
date it was computed for). Its unique constraint is what makes the scan idempotent: two scans
at once insert the same key, the database keeps one. An extension moves the due date, so the
key changes and fresh reminders follow for the new date.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    DUE_IN = "due_in", _("距處理期限剩 N 個工作天（0 = 今日到期）/ N working days before the deadline (0 = due today)")
    OVERDUE = "overdue", _("逾處理期限 N 個工作天以上 / Overdue by N working days or more")
    NOT_DISPATCHED = "not_dispatched", _("逾分文期限 N 個工作天未分文 / Not dispatched N working days after the dispatch deadline")
    NOT_ACCEPTED = "not_accepted", _("分文後 N 個工作天未簽收 / Not accepted N working days after dispatch")
    APPROVAL_WAITING = "approval_waiting", _("答復待核定逾 N 個工作天 / Reply awaiting approval for N working days")


class Recipient(models.TextChoices):
    ASSIGNEE_OR_DEPARTMENT = "assignee_or_department", _("承辦人，未分派時為單位承辦人員 / Officer, else the department's officers")
    ASSIGNEE = "assignee", _("承辦人 / Assigned officer")
    DEPARTMENT_SUPERVISOR = "department_supervisor", _("單位主管 / Department supervisor")
    AGENCY_ANALYSTS = "agency_analysts", _("機關研考人員 / Agency analysts")
    AGENCY_HEAD = "agency_head", _("機關首長（機關層級主管）/ Agency head")
    INTAKE = "intake", _("受理分文人員 / Intake staff")
    APPROVER = "approver", _("核定主管 / Approving supervisor")


class EscalationRule(models.Model):
    code = models.SlugField(_("代碼 / code"), max_length=40, unique=True)
    name = models.CharField(_("名稱 / name"), max_length=120)
    trigger = models.CharField(_("觸發條件 / trigger"), max_length=20, choices=Trigger.choices)
    days = models.PositiveSmallIntegerField(_("工作天數 N / working days N"), default=0)
    level = models.PositiveSmallIntegerField(_("層級 / level"), default=0, help_text=_("0 提醒，1、2 逾期通報 / 0 reminder, 1–2 escalation"))
    recipients = models.JSONField(_("通知對象 / recipients"), default=list, help_text=", ".join(Recipient.values))
    template = models.CharField(_("通知範本 / template"), max_length=60)
    active = models.BooleanField(_("啟用 / active"), default=True)

    class Meta:
        ordering = ["trigger", "days", "level"]
        verbose_name = _("逾期通報規則 / escalation rule")
        verbose_name_plural = _("逾期通報規則 / escalation rules")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        from django.core.exceptions import ValidationError

        from casesys.notifications.render import template_exists

        errors = {}
        unknown = [r for r in (self.recipients or []) if r not in Recipient.values]
        if not isinstance(self.recipients, list) or not self.recipients or unknown:
            errors["recipients"] = [f"須為 {Recipient.values} 的清單 / Must be a list of {Recipient.values}"]
        if not template_exists(self.template):
            errors["template"] = [f"找不到範本 / Unknown template {self.template!r}"]
        if errors:
            raise ValidationError(errors)


class Reminder(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)  # the rule's code
    level = models.PositiveSmallIntegerField(default=0)
    due_for = models.DateTimeField(help_text="the deadline this reminder was computed for")
    rule = models.ForeignKey(EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.JSONField(default=list, blank=True)  # user ids notified
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "level", "due_for"], name="reminder_unique_key"),
        ]
        verbose_name = _("提醒紀錄 / reminder")
        verbose_name_plural = _("提醒紀錄 / reminders")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} L{self.level} {self.due_for:%Y-%m-%d %H:%M}"
