"""Default escalation rules (shipped by a data migration, editable in the admin)."""

from __future__ import annotations

DEFAULT_RULES = [
    {
        "code": "due-soon",
        "name": "到期前 1 個工作天提醒 / Due within 1 working day",
        "trigger": "due_in",
        "days": 1,
        "level": 0,
        "recipients": ["assignee_or_department"],
        "template": "reminder_due_soon",
    },
    {
        "code": "due-today",
        "name": "今日到期提醒 / Due today",
        "trigger": "due_in",
        "days": 0,
        "level": 0,
        "recipients": ["assignee_or_department"],
        "template": "reminder_due_today",
    },
    {
        "code": "overdue",
        "name": "逾期通報（第一層）/ Overdue, level 1",
        "trigger": "overdue",
        "days": 0,
        "level": 1,
        "recipients": ["assignee", "department_supervisor"],
        "template": "escalation_overdue",
    },
    {
        "code": "overdue-3",
        "name": "逾期 3 個工作天以上（第二層）/ Overdue 3+ working days, level 2",
        "trigger": "overdue",
        "days": 3,
        "level": 2,
        "recipients": ["agency_analysts", "agency_head"],
        "template": "escalation_overdue_l2",
    },
    {
        "code": "not-dispatched",
        "name": "逾期未分文 / Not dispatched by the end of the next working day",
        "trigger": "not_dispatched",
        "days": 0,
        "level": 1,
        "recipients": ["intake"],
        "template": "reminder_dispatch_late",
    },
    {
        "code": "not-accepted",
        "name": "分文 1 個工作天未簽收 / Not accepted within 1 working day",
        "trigger": "not_accepted",
        "days": 1,
        "level": 1,
        "recipients": ["department_supervisor"],
        "template": "reminder_accept_late",
    },
    {
        "code": "approval-waiting",
        "name": "答復待核定逾 1 個工作天 / Reply awaiting approval over 1 working day",
        "trigger": "approval_waiting",
        "days": 1,
        "level": 1,
        "recipients": ["approver"],
        "template": "reminder_approval_late",
    },
]


def ensure_default_rules(rule_model=None) -> int:
    if rule_model is None:
        from casesys.reminders.models import EscalationRule as rule_model
    created = 0
    for row in DEFAULT_RULES:
        _, was_created = rule_model.objects.get_or_create(code=row["code"], defaults=row)
        created += was_created
    return created
