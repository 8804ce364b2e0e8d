"""Writes to co-handling parts. Keyword-only, atomic, audited on the case's timeline.

- `case_add_co_handlers`: the lead's supervisor or intake (at dispatch or later) asks other
  departments to co-handle a case; the first co-handler turns the case into a
  multi-department case (its deadline rule becomes the multi-department one, stricter rule
  wins: see `casesys.cases.deadlines.multi_department_rule`).
- one function per part transition (`part_accept` … `part_withdraw`): checks
  `has_transition_perm`, saves only its fields plus `version`, writes a case event and lets
  receivers of `case_event_recorded` queue side effects in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from casesys.cases import deadlines
from casesys.cases.events import record_event
from casesys.cases.exceptions import (
    ConcurrentUpdate,
    TransitionNotPermittedNow,
    TransitionPermissionDenied,
)
from casesys.cases.models import Case, State
from casesys.cases.workflow import note_missed_deadline
from casesys.cohandling import workflow
from casesys.cohandling.models import OPEN_PART_Q, CasePart, PartState
from casesys.org.models import Department, Role, StaffProfile
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date

# Cases a co-handler can still be added to: dispatched to a lead and not yet answered.
ADDABLE_STATES = (State.DISPATCHED, State.IN_PROGRESS)


# --- deadlines ----------------------------------------------------------------------------


def part_days_before() -> int:
    return int(settings.CASESYS.get("PART_DAYS_BEFORE_DUE", 3))


def working_days_before(day: dt.date, n: int, calendar: WorkCalendar) -> dt.date:
    """The n-th working day before `day` (`day` itself not counted)."""
    counted = 0
    while counted < n:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def part_default_due(case: Case, calendar: WorkCalendar, *, now: dt.datetime) -> dt.datetime:
    """`CASESYS_PART_DAYS_BEFORE_DUE` (3) working days before the case's deadline, so the lead
    has time to consolidate; never before the end of today, never after the case's deadline
    (a short case gives its co-handlers what there is)."""
    due = end_of_day(working_days_before(local_date(case.due_at), part_days_before(), calendar))
    return min(max(due, end_of_day(local_date(now))), case.due_at)


def _apply_multi_department_deadline(case: Case, *, calendar: WorkCalendar, now: dt.datetime, by) -> bool:
    """The case became multi-department: its rule becomes the multi-department one (stricter
    rule wins). Moves the deadline like a calendar change would, with a public event."""
    unit, value = deadlines.multi_department_rule(case, calendar=calendar)
    if (unit, value) == (case.sla_unit, case.sla_value):
        return False
    old_due = case.due_at
    note_missed_deadline(case, now=now)  # a case already late stays late
    case.sla_unit, case.sla_value = unit, value
    case.due_at = deadlines.case_due(case, calendar)
    case.version += 1
    case.save(update_fields=["sla_unit", "sla_value", "due_at", "missed_due_at", "version", "updated_at"])
    if case.due_at != old_due:
        record_event(
            case=case,
            kind="multi_department_deadline",
            actor=by,
            note=f"{value} {unit}",
            changes={"due_at": [old_due.isoformat(), case.due_at.isoformat()], "sla": [unit, value]},
            public_args={"due": f"{timezone.localtime(case.due_at):%Y-%m-%d}"},
            context={"old_due": old_due, "new_due": case.due_at},
        )
    return True


# --- adding co-handlers ----------------------------------------------------------------------


def case_add_co_handlers(
    *,
    case: Case,
    departments: Iterable[Department],
    by,
    request_note: str = "",
    due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[CasePart]:
    """Ask `departments` to co-handle `case` (協辦). Returns the new parts.

    The caller: intake, a supervisor over the lead department, or an administrator
    (``by=None`` is the system). `due_at` overrides the default sub-deadline."""
    departments = [d for d in departments if d is not None]
    if by is not None and not workflow.can_add_co_handlers(case, by):
        raise TransitionPermissionDenied("您不能為此案件加入協辦單位 / You may not add co-handling departments to this case.")
    if case.state not in ADDABLE_STATES or case.department_id is None:
        raise TransitionNotPermittedNow(
            "案件須已分文且尚未送出答復，才能加入協辦單位 / Co-handlers can be added once the case is dispatched "
            "and before its reply is submitted."
        )
    if not departments:
        raise ValidationError({"departments": ["請選擇協辦單位 / Choose at least one co-handling department."]})
    errors: list[str] = []
    existing = set(case.parts.values_list("department_id", flat=True))
    for d in departments:
        if d.pk == case.department_id:
            errors.append(f"{d.name} 為主辦單位 / {d.name} is the lead department.")
        elif d.pk in existing:
            errors.append(f"{d.name} 已是協辦單位 / {d.name} already co-handles this case.")
        elif not d.active:
            errors.append(f"{d.name} 已停用 / {d.name} is inactive.")
    if len({d.pk for d in departments}) != len(departments):
        errors.append("協辦單位重複 / A department is listed twice.")
    if errors:
        raise ValidationError({"departments": errors})
    now = now or timezone.now()
    if due_at is not None:
        if timezone.is_naive(due_at):
            raise ValidationError({"due_at": ["協辦期限須含時區 / The sub-deadline needs a time zone."]})
        if due_at < now:
            raise ValidationError({"due_at": ["協辦期限不可早於現在 / The sub-deadline cannot be in the past."]})
    calendar = WorkCalendar.load()
    try:
        with transaction.atomic():
            # Lock the case: two supervisors adding the first co-handler at once must not both
            # recompute the deadline, and the case must not close meanwhile.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.version != case.version or locked.state != case.state:
                raise ConcurrentUpdate()
            first = not case.parts.exists()
            if first:
                _apply_multi_department_deadline(case, calendar=calendar, now=now, by=by)
            if due_at is not None and due_at > case.due_at:
                raise ValidationError({"due_at": ["協辦期限不可晚於案件期限 / The sub-deadline cannot be after the case's."]})
            default_due = part_default_due(case, calendar, now=now)
            parts = [
                CasePart.objects.create(
                    case=case,
                    department=d,
                    request_note=(request_note or "").strip(),
                    requested_by=by if getattr(by, "pk", None) else None,
                    requested_at=now,
                    due_at=due_at or default_due,
                    due_follows_case=due_at is None,
                )
                for d in departments
            ]
            names = "、".join(d.name for d in departments)
            record_event(
                case=case,
                kind="co_handlers_added",
                actor=by,
                note=request_note,
                changes={"parts": [p.pk for p in parts], "departments": [d.code for d in departments]},
                public_args={"departments": names},
                context={"parts": parts},
            )
    except IntegrityError as exc:
        case.refresh_from_db()
        raise ConcurrentUpdate() from exc
    except ValidationError:
        case.refresh_from_db()  # the rolled-back deadline change must not linger in memory
        raise
    return parts


def case_dispatch_with_co_handlers(
    *, case: Case, department: Department, co_departments: Iterable[Department] = (), note: str = "", by
) -> Case:
    """分文 with co-handlers in one step: the lead department and the 協辦 departments, all or
    nothing."""
    from casesys.cases.services import case_dispatch

    co_departments = list(co_departments or [])
    with transaction.atomic():
        case_dispatch(case=case, department=department, note=note, by=by)
        if co_departments:
            case_add_co_handlers(case=case, departments=co_departments, request_note=note, by=by)
    return case


# --- the part transition runner ----------------------------------------------------------------


def _check(part: CasePart, name: str, by) -> None:
    method = getattr(part, name)
    meta = method._django_fsm
    if not meta.has_transition(part.state):
        if by is not None and not any(
            t.permission is None or t.has_perm(part, by) for t in meta.transitions.values()
        ):
            raise TransitionPermissionDenied()
        raise TransitionNotPermittedNow()
    if by is not None and not meta.has_transition_perm(part, part.state, by):
        raise TransitionPermissionDenied(workflow.four_eyes_denial(part, name, by))
    if not can_proceed(method):
        for condition in meta.get_transition(part.state).conditions:
            if not condition(part):
                raise TransitionNotPermittedNow(getattr(condition, "message", None))
        raise TransitionNotPermittedNow()
    if by is not None and not has_transition_perm(method, by):
        raise TransitionNotPermittedNow()


def _run(
    *,
    part: CasePart,
    name: str,
    by,
    kwargs: dict[str, Any],
    fields: list[str],
    event_kind: str,
    note: str = "",
    public: bool = False,
) -> CasePart:
    _check(part, name, by)
    from_state = part.state
    try:
        with transaction.atomic():
            getattr(part, name)(**kwargs)
            part.version += 1
            part.save(update_fields=sorted(set(fields) | {"state", "version", "updated_at"}))
            record_event(
                case=part.case,
                kind=event_kind,
                actor=by,
                from_state=from_state,
                to_state=part.state,
                note=note,
                changes={"part": part.pk, "department": part.department.code},
                public_args={"department": part.department.name} if public else None,
                context={"part": part},
            )
    except (ConcurrentTransition, IntegrityError) as exc:
        part.state = from_state
        raise ConcurrentUpdate("協辦已被他人更新，請重新整理後再試 / The part was changed by someone else; reload and retry.") from exc
    except TransitionNotAllowed as exc:
        raise TransitionNotPermittedNow() from exc
    return part


def _require(value: Any, field: str, message: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: [message]})


def part_accept(*, part: CasePart, by) -> CasePart:
    return _run(part=part, name="accept", by=by, kwargs={"officer": by, "now": timezone.now()},
                fields=["officer", "accepted_at"], event_kind="part_accepted")


def part_assign(*, part: CasePart, officer, by, note: str = "") -> CasePart:
    _require(officer, "officer", "請選擇協辦人 / Choose an officer.")
    profile = StaffProfile.objects.select_related("department").filter(user=officer).first()
    if profile is None or not (profile.has_role(Role.OFFICER) or profile.has_role(Role.SUPERVISOR)):
        raise ValidationError({"officer": ["此人員不是承辦人 / This person is not a case officer."]})
    if not profile.department.path.startswith(part.department.path):
        raise ValidationError({"officer": ["協辦人須屬於協辦單位 / The officer must belong to the co-handling department."]})
    return _run(part=part, name="assign", by=by, kwargs={"officer": officer, "now": timezone.now()},
                fields=["officer", "accepted_at"], event_kind="part_assigned", note=note)


def part_submit_reply(*, part: CasePart, reply: str, by) -> CasePart:
    _require(reply, "reply", "請填寫協辦答復內容 / Write the part reply.")
    return _run(part=part, name="submit_reply", by=by, kwargs={"reply": reply.strip(), "officer": by, "now": timezone.now()},
                fields=["reply", "replied_by", "reply_submitted_at"], event_kind="part_reply_submitted")


def part_approve(*, part: CasePart, by, note: str = "") -> CasePart:
    return _run(part=part, name="approve", by=by, kwargs={"approver": by, "now": timezone.now()},
                fields=["approved_by", "done_at", "closed_at", "on_time", "missed_due_at"],
                event_kind="part_done", note=note, public=True)


def part_return_reply(*, part: CasePart, comment: str, by) -> CasePart:
    _require(comment, "comment", "請說明退回修正的意見 / Say what needs revising.")
    return _run(part=part, name="return_reply", by=by, kwargs={"now": timezone.now()},
                fields=["reply_submitted_at"], event_kind="part_reply_returned", note=comment)


def part_return_to_lead(*, part: CasePart, reason: str, by) -> CasePart:
    """"Not ours" (非屬本單位業管): the lead's supervisor decides (`part_decide_return`)."""
    _require(reason, "reason", "請說明退回理由 / Give the reason for returning the part.")
    return _run(part=part, name="return_to_lead", by=by, kwargs={"reason": reason.strip(), "by": by, "now": timezone.now()},
                fields=["return_reason", "returned_by", "returned_at", "return_decision", "decided_by", "decided_at",
                        "decision_note"],
                event_kind="part_returned", note=reason)


def part_decide_return(*, part: CasePart, release: bool, note: str = "", by) -> CasePart:
    """The lead's supervisor: release the department (免協辦) or re-impose the part."""
    if not release:
        _require(note, "note", "仍請協辦時請說明理由 / Say why the part stays with the department.")
    return _run(part=part, name="decide_return", by=by,
                kwargs={"release": bool(release), "note": (note or "").strip(), "by": by, "now": timezone.now()},
                fields=["return_decision", "decided_by", "decided_at", "decision_note", "closed_at"],
                event_kind="part_released" if release else "part_reimposed", note=note or part.return_reason)


def part_withdraw(*, part: CasePart, by, note: str = "") -> CasePart:
    return _run(part=part, name="withdraw", by=by, kwargs={"now": timezone.now()},
                fields=["closed_at"], event_kind="part_withdrawn", note=note)


# --- bookkeeping the case's own transitions trigger (see receivers) ----------------------------------


def parts_withdraw_for_closed_case(*, case: Case, because: str) -> int:
    """The case left the agency (transfer, filing, merge): its open parts are withdrawn."""
    count = 0
    for part in CasePart.objects.filter(OPEN_PART_Q, case=case).select_related("department", "case"):
        part.case = case
        part_withdraw(part=part, by=None, note=because)
        count += 1
    return count


def parts_follow_case_deadline(*, case: Case, now: dt.datetime | None = None) -> int:
    """The case's deadline moved (extension, calendar change, reopening): default
    sub-deadlines of its open parts follow it. An explicit sub-deadline stays."""
    now = now or timezone.now()
    calendar = WorkCalendar.load()
    new_due = part_default_due(case, calendar, now=now)
    count = 0
    for part in CasePart.objects.filter(OPEN_PART_Q, case=case, due_follows_case=True).exclude(due_at=new_due):
        if part.missed_due_at is None and now > part.due_at:
            part.missed_due_at = part.due_at  # a part already late stays late
        part.due_at = new_due
        part.version += 1
        part.save(update_fields=["due_at", "missed_due_at", "version", "updated_at"])
        count += 1
    return count


def parts_stamp_missed_deadlines(*, now: dt.datetime) -> int:
    """As `cases_stamp_missed_deadlines`: one UPDATE for the parts that just went overdue."""
    from django.db.models import F

    live = [PartState.REQUESTED, PartState.IN_PROGRESS, PartState.PENDING_APPROVAL]
    return CasePart.objects.filter(state__in=live, missed_due_at__isnull=True, due_at__lt=now).update(
        missed_due_at=F("due_at")
    )
