"""Writes to cases. Every function is keyword-only, atomic and audited.

A transition service: checks `has_transition_perm` for the caller (``by=None`` means the
system itself, e.g. automatic routing), runs the django-fsm transition, saves only the
fields it touched (plus ``version``, for optimistic concurrency), records an audit event
and lets receivers of `case_event_recorded` queue side effects in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from casesys.cases import deadlines, events, workflow
from casesys.cases.addresses import contact_addresses_record
from casesys.cases.events import CaseEventKind, event_due_recomputed
from casesys.cases.exceptions import (
    CaseError,
    ConcurrentUpdate,
    TransitionNotPermittedNow,
    TransitionPermissionDenied,
)
from casesys.cases.models import (
    OPEN_Q,
    Case,
    CaseEvent,
    Category,
    ExtensionRequest,
    Language,
    Petitioner,
    SlaUnit,
    State,
    Urgency,
    channel_choices,
)
from casesys.cases.numbering import generate_case_password, hash_case_password, next_case_number
from casesys.cases.outcomes import filed_reply_text
from casesys.org.models import Department, Role
from casesys.org.roles import has_role
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date


class FiledReason:
    NO_CONTENT = "no_content"
    NO_IDENTITY = "no_identity"
    REPEAT = "repeat"
    CHOICES = [
        (NO_CONTENT, "無具體內容 / No concrete content"),
        (NO_IDENTITY, "未具真實姓名或聯絡方式 / No real name or contact"),
        (REPEAT, "重複陳情 / Repeat of an answered case"),
    ]
    CODES = {c for c, _ in CHOICES}


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    password: str


# --- intake -----------------------------------------------------------------------------


def case_intake(
    *,
    channel: str,
    category: Category,
    subject: str,
    description: str,
    urgency: Urgency | None = None,
    language: str = Language.ZH,
    received_at: dt.datetime | None = None,
    petitioner: dict[str, Any] | None = None,
    location: dict[str, Any] | None = None,
    confidential: bool = False,
    anonymous: bool = False,
    external_ref: str = "",
    by=None,
    calendar: WorkCalendar | None = None,
) -> IntakeResult:
    """Register a case; route it automatically when its category names a department."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if channel not in dict(channel_choices()):
        errors["channel"] = [f"未知的管道 / Unknown channel: {channel}"]
    if not (subject or "").strip():
        errors["subject"] = ["主旨為必填 / Subject is required."]
    if not (description or "").strip():
        errors["description"] = ["內容為必填 / Description is required."]
    if language not in Language.values:
        errors["language"] = [f"不支援的語言 / Unsupported language: {language}"]
    if not category.active:
        errors["category"] = ["此類別已停用 / This category is no longer in use."]
    if received_at is not None:
        if by is not None and not has_role(by, Role.INTAKE, Role.ADMIN):
            errors["received_at"] = ["只有受理人員可以登錄收件時間 / Only intake staff may set the receipt time."]
        elif timezone.is_naive(received_at):
            errors["received_at"] = ["收件時間須含時區 / The receipt time needs a time zone."]
        elif received_at > now + dt.timedelta(minutes=5):
            errors["received_at"] = ["收件時間不可晚於現在 / The receipt time cannot be in the future."]
        elif received_at < now - dt.timedelta(days=60):
            errors["received_at"] = ["收件時間過早 / The receipt time is too far in the past."]
    location = location or {}
    lat, lng = location.get("lat"), location.get("lng")
    if lat is not None and not (-90 <= float(lat) <= 90):
        errors["location.lat"] = ["緯度超出範圍 / Latitude out of range."]
    if lng is not None and not (-180 <= float(lng) <= 180):
        errors["location.lng"] = ["經度超出範圍 / Longitude out of range."]
    email_max = Petitioner._meta.get_field("email").max_length
    if len((petitioner or {}).get("email") or "") > email_max:
        # Every intake path ends here: a longer address would fail the insert with a 500.
        errors["petitioner.email"] = [f"電子郵件地址過長（上限 {email_max} 字元）/ E-mail address too long ({email_max} characters max)."]
    if errors:
        raise ValidationError(errors)

    received_at = received_at or now
    if urgency is None:
        urgency = Urgency.objects.filter(code=Urgency.NORMAL).first()
        if urgency is None:
            from casesys.cases.defaults import ensure_urgencies

            ensure_urgencies()
            urgency = Urgency.objects.get(code=Urgency.NORMAL)
    calendar = calendar or WorkCalendar.load()
    unit, value = deadlines.deadline_rule(
        category=category, urgency=urgency, channel=channel, received_at=received_at, calendar=calendar
    )
    due_at = deadlines.compute_due(received_at=received_at, unit=unit, value=value, calendar=calendar)
    password = generate_case_password()

    with transaction.atomic():
        pet = None
        contacts = (petitioner or {}).get("contacts") or []
        if petitioner and (contacts or any(petitioner.get(k) for k in ("name", "phone", "email", "address"))):
            pet = Petitioner.objects.create(
                name=(petitioner.get("name") or "")[:100],
                phone=(petitioner.get("phone") or "")[:30],
                email=petitioner.get("email") or "",
                address=(petitioner.get("address") or "")[:200],
            )
            # A chat id the person wrote from, a mobile number SMS can reach (the registry says
            # which channels derive an address from the phone or e-mail).
            contact_addresses_record(petitioner=pet, contacts=contacts, now=now)
        case = Case(
            number=next_case_number(local_date(received_at)),
            password_hash=hash_case_password(password),
            channel=channel,
            category=category,
            urgency=urgency,
            subject=subject.strip()[:200],
            description=description,
            language=language,
            address=(location.get("address") or "")[:200],
            district=(location.get("district") or "")[:20],
            lat=lat,
            lng=lng,
            petitioner=pet,
            confidential=bool(confidential or (petitioner or {}).get("confidential")),
            anonymous=anonymous or pet is None,
            registered_by=by if getattr(by, "pk", None) else None,
            received_at=received_at,
            clock_started_at=received_at,
            sla_unit=unit,
            sla_value=value,
            due_at=due_at,
            dispatch_due_at=deadlines.compute_dispatch_due(received_at=received_at, calendar=calendar, due_at=due_at),
            external_ref=external_ref,
        )
        case.full_clean(exclude=["password_hash", "petitioner", "category", "urgency", "registered_by"])
        case.save()
        events.event_created(case=case, actor=by, channel=channel, password=password)
        if category.department_id and category.department.active:
            case_dispatch(case=case, department=category.department, by=None, note="依類別自動分文 / Routed by category")
    return IntakeResult(case=case, password=password)


# --- the transition runner ----------------------------------------------------------------


def _check(case: Case, name: str, by) -> None:
    method = getattr(case, name)
    meta = method._django_fsm
    if not meta.has_transition(case.state):
        # "Never for you" is 403; "not from this state" is 409.
        if by is not None and not _perm_in_any_state(case, name, by):
            raise TransitionPermissionDenied()
        raise TransitionNotPermittedNow()
    if by is not None and not meta.has_transition_perm(case, case.state, by):
        raise TransitionPermissionDenied(workflow.four_eyes_denial(case, name, by))
    # Conditions (reopen window, pending extension): the action exists but not right now;
    # the first unmet condition says why.
    if not can_proceed(method):
        for condition in meta.get_transition(case.state).conditions:
            if not condition(case):
                raise TransitionNotPermittedNow(getattr(condition, "message", None))
        raise TransitionNotPermittedNow()
    if by is not None and not has_transition_perm(method, by):
        raise TransitionNotPermittedNow()


def _perm_in_any_state(case: Case, name: str, by) -> bool:
    method = getattr(case, name)
    meta = method._django_fsm
    for transition_obj in meta.transitions.values():
        if transition_obj.permission is None or transition_obj.has_perm(case, by):
            return True
    return False


def _run(
    *,
    case: Case,
    name: str,
    by,
    kwargs: dict[str, Any],
    fields: list[str],
    event,
    event_args: dict[str, Any] | None = None,
    note: str = "",
    after=None,
) -> Case:
    """`event` is the transition's function in `events` (its `.kind` names it); `event_args`
    are what it takes besides the fields every transition records."""
    _check(case, name, by)
    before = {f: _plain(getattr(case, f if not _is_fk(f) else f + "_id")) for f in fields}
    from_state = case.state
    try:
        with transaction.atomic():
            getattr(case, name)(**kwargs)
            case.version += 1
            case.save(update_fields=sorted(set(fields) | {"state", "version", "updated_at"}))
            changes = {}
            for f in fields:
                new = _plain(getattr(case, f if not _is_fk(f) else f + "_id"))
                if new != before[f]:
                    changes[f] = [before[f], new]
            if after is not None:
                after(case)
            # Before the transition's event, so its receivers see the case's history complete.
            if name in _WITHDRAWS_EXTENSION:
                _withdraw_pending_extension(case=case, by=by, because=event.kind)
            if not case.is_open:  # every transition into a final state comes from an open one
                _record_closure(case)
            event(
                case=case,
                actor=by,
                from_state=from_state,
                to_state=case.state,
                note=note,
                changes=changes,
                **(event_args or {}),
            )
    except (ConcurrentTransition, IntegrityError) as exc:
        case.state = from_state
        raise ConcurrentUpdate() from exc
    except TransitionNotAllowed as exc:
        raise TransitionNotPermittedNow() from exc
    return case


_FK_FIELDS = {"department", "assignee", "replied_by", "approved_by", "merged_into", "repeat_of"}

# Transitions that take the case away from its officer: a pending extension request would be
# stranded (nobody could decide it, and a closed case must never show one), so they withdraw it.
_WITHDRAWS_EXTENSION = {"approve", "transfer", "file", "merge", "return_to_intake"}
_WITHDRAWN_BECAUSE = {
    CaseEventKind.CLOSED: ("已結案", "was closed"),
    CaseEventKind.TRANSFERRED: ("已移文", "was transferred"),
    CaseEventKind.FILED: ("已存查", "was filed"),
    CaseEventKind.MERGED: ("已併案", "was merged"),
    CaseEventKind.RETURNED_TO_INTAKE: ("已退回分文", "was returned to intake"),
}


def _record_closure(case: Case) -> None:
    """One history row per final transition: the round's result survives a reopening."""
    case.closures.update_or_create(
        round=case.reopen_count + 1,
        defaults={"state": case.state, "closed_at": case.closed_at, "due_at": case.due_at, "on_time": case.on_time},
    )


def _withdraw_pending_extension(*, case: Case, by, because: CaseEventKind) -> ExtensionRequest | None:
    req = case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    if req is None:
        return None
    req.status = ExtensionRequest.Status.WITHDRAWN
    req.decided_by = by if getattr(by, "pk", None) else None
    req.decided_at = timezone.now()
    zh, en = _WITHDRAWN_BECAUSE.get(because, (because, because))
    req.decision_note = f"案件{zh}，展延申請撤回 / Withdrawn: the case {en}."
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    events.event_extension_withdrawn(case=case, actor=by, extension=req, because=because)
    return req


def _is_fk(field: str) -> bool:
    return field in _FK_FIELDS


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _require(value: Any, field: str, message: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: [message]})


# --- transitions ----------------------------------------------------------------------------


def case_dispatch(*, case: Case, department: Department, by, note: str = "") -> Case:
    _require(department, "department", "請選擇承辦單位 / Choose a department.")
    if not department.active:
        raise ValidationError({"department": ["此單位已停用 / This department is inactive."]})
    return _run(
        case=case,
        name="dispatch",
        by=by,
        kwargs={"department": department, "now": timezone.now()},
        fields=["department", "dispatched_at", "assignee"],
        event=events.event_dispatched,
        event_args={"department": department},
        note=note,
    )


@dataclass
class BulkDispatchResult:
    dispatched: list[str]
    # (case number, "中文 / English" reason) for each case that could not be routed.
    skipped: list[tuple[str, str]]


NO_DEFAULT_DEPARTMENT = "類別沒有預設單位，請選擇承辦單位 / The category has no default department; choose one."
NOT_WAITING_FOR_DISPATCH = "案件狀態已變更（{zh}），未分文 / The case changed state meanwhile ({en}); not dispatched."
NO_LONGER_IN_INTAKE = "案件已不在待分文（已由他人處理），未分文 / The case is no longer waiting for dispatch (someone else handled it meanwhile); not dispatched."
NOT_FOUND_FOR_DISPATCH = "找不到案件或無權查看 / No such case, or not visible to you."


def cases_bulk_dispatch(*, numbers: list[str], department: Department | None, by) -> BulkDispatchResult:
    """Dispatch each case to `department`, or else to its category's default department.

    One transaction per case (`case_dispatch`): a case that cannot be routed (no default
    department, changed state meanwhile, a concurrent update, an inactive department) is
    reported with its reason and the others are dispatched all the same."""
    from casesys.cases.selectors import cases_visible_to

    found = {
        c.number: c
        for c in cases_visible_to(by).filter(number__in=numbers).select_related("category__department")
    }
    # Ticked on the queue, then taken out of the user's sight (dispatched by someone else).
    gone = set(Case.objects.filter(number__in=[n for n in numbers if n not in found]).values_list("number", flat=True))
    result = BulkDispatchResult(dispatched=[], skipped=[])
    for number in dict.fromkeys(numbers):
        case = found.get(number)
        if case is None:
            result.skipped.append((number, NO_LONGER_IN_INTAKE if number in gone else NOT_FOUND_FOR_DISPATCH))
            continue
        if case.state != State.RECEIVED:
            zh, _sep, en = str(State(case.state).label).partition(" / ")
            result.skipped.append((number, NOT_WAITING_FOR_DISPATCH.format(zh=zh, en=en)))
            continue
        dept = department or case.category.department
        if dept is None:
            result.skipped.append((number, NO_DEFAULT_DEPARTMENT))
            continue
        try:
            case_dispatch(case=case, department=dept, by=by)
        except ValidationError as exc:
            result.skipped.append((number, " ".join(exc.messages)))
        except CaseError as exc:
            result.skipped.append((number, exc.message))
        else:
            result.dispatched.append(number)
    return result


def case_accept(*, case: Case, by) -> Case:
    return _run(
        case=case,
        name="accept",
        by=by,
        kwargs={"officer": by, "now": timezone.now()},
        fields=["assignee", "accepted_at"],
        event=events.event_accepted,
    )


def assign_unchanged(*, case: Case, assignee) -> bool:
    """Re-assigning an in-progress case to its own officer changes nothing (no event, no notice)."""
    return case.state == State.IN_PROGRESS and assignee is not None and case.assignee_id == assignee.pk


def case_assign(*, case: Case, assignee, by, note: str = "") -> Case:
    from casesys.org.models import StaffProfile

    _require(assignee, "assignee", "請選擇承辦人 / Choose an officer.")
    profile = StaffProfile.objects.select_related("department", "user").filter(user=assignee).first()
    problem = workflow.assignee_problem(case, profile)
    if problem:
        raise ValidationError({"assignee": [problem]})
    if assign_unchanged(case=case, assignee=assignee) and workflow.can_assign(case, by):
        return case
    return _run(
        case=case,
        name="assign",
        by=by,
        kwargs={"officer": assignee, "now": timezone.now()},
        fields=["assignee", "accepted_at"],
        event=events.event_assigned,
        note=note,
    )


def case_return_to_intake(*, case: Case, reason: str, by) -> Case:
    _require(reason, "reason", "請說明退回理由 / Give the reason for returning the case.")
    calendar = WorkCalendar.load()
    now = timezone.now()

    def reset_dispatch_deadline(c: Case) -> None:
        # Intake gets until the end of the next working day to route it again, but never
        # beyond the case's own deadline.
        Case.objects.filter(pk=c.pk).update(
            dispatch_due_at=deadlines.compute_dispatch_due(received_at=now, calendar=calendar, due_at=c.due_at)
        )

    return _run(
        case=case,
        name="return_to_intake",
        by=by,
        kwargs={"now": now},
        fields=["department", "assignee", "dispatched_at", "accepted_at"],
        event=events.event_returned_to_intake,
        note=reason,
        after=reset_dispatch_deadline,
    )


def case_submit_reply(*, case: Case, reply: str, by) -> Case:
    _require(reply, "reply", "請填寫答復內容 / Write the reply.")
    return _run(
        case=case,
        name="submit_reply",
        by=by,
        kwargs={"reply": reply.strip(), "officer": by, "now": timezone.now()},
        fields=["reply", "replied_by", "reply_submitted_at"],
        event=events.event_reply_submitted,
    )


def case_approve(*, case: Case, by, note: str = "") -> Case:
    return _run(
        case=case,
        name="approve",
        by=by,
        kwargs={"approver": by, "now": timezone.now()},
        fields=["approved_by", "closed_at", "on_time", "missed_due_at"],
        event=events.event_closed,
        event_args={"reply": case.reply},
        note=note,
    )


def case_return_reply(*, case: Case, comment: str, by) -> Case:
    _require(comment, "comment", "請說明退回修正的意見 / Say what needs revising.")
    return _run(
        case=case,
        name="return_reply",
        by=by,
        kwargs={"now": timezone.now()},
        fields=["reply_submitted_at"],
        event=events.event_reply_returned,
        note=comment,
    )


def case_transfer(
    *, case: Case, agency: str, reason: str, by, site_visit: bool = False, calendar: WorkCalendar | None = None
) -> Case:
    """移文. Timeliness is judged against the end of the next working day after receipt, or
    the second one when a site visit was needed (`site_visit`, or recorded on the case)."""
    _require(agency, "agency", "請填寫受移文機關 / Name the competent agency.")
    _require(reason, "reason", "請說明移文理由 / Give the reason for the transfer.")
    site_visit = bool(site_visit or case.site_visit)
    due = deadlines.transfer_due(
        received_at=case.received_at, site_visit=site_visit, calendar=calendar or WorkCalendar.load()
    )
    return _run(
        case=case,
        name="transfer",
        by=by,
        kwargs={"agency": agency.strip()[:200], "now": timezone.now(), "site_visit": site_visit, "transfer_due": due},
        fields=["transferred_to", "closed_at", "on_time", "site_visit", "transfer_on_time"],
        event=events.event_transferred,
        event_args={"agency": agency, "reason": reason},
        note=reason,
    )


def case_file(*, case: Case, reason_code: str, note: str = "", repeat_of: Case | None = None, by) -> Case:
    if reason_code not in FiledReason.CODES:
        raise ValidationError({"reason_code": [f"理由代碼須為 {sorted(FiledReason.CODES)} / reason_code must be one of them."]})
    reply = ""
    if reason_code == FiledReason.REPEAT:
        if repeat_of is None:
            raise ValidationError({"repeat_of": ["重複陳情須指明原案號 / Name the earlier case."]})
        if repeat_of.pk == case.pk:
            raise ValidationError({"repeat_of": ["不可指向本案 / Cannot cite the case itself."]})
        if repeat_of.state != State.CLOSED or repeat_of.closed_at is None:
            raise ValidationError({"repeat_of": ["原案尚未答復結案 / The earlier case has not been answered yet."]})
    # What the petitioner reads (status page, API, notice): the reason in words; a repeat
    # cites the earlier reply only when it was this petitioner's own (casesys.cases.outcomes).
    reply = filed_reply_text(case=case, reason_code=reason_code, repeat_of=repeat_of)
    return _run(
        case=case,
        name="file",
        by=by,
        kwargs={"reason_code": reason_code, "repeat_of": repeat_of, "reply": reply, "now": timezone.now()},
        fields=["filed_reason", "repeat_of", "reply", "closed_at", "on_time"],
        event=events.event_filed,
        note=note,
    )


def case_merge(*, case: Case, into: Case, by, note: str = "") -> Case:
    _require(into, "into", "請指明併入案件 / Name the case to merge into.")
    if into.pk == case.pk:
        raise ValidationError({"into": ["不可併入本案 / A case cannot be merged into itself."]})
    if not into.is_open:
        raise ValidationError({"into": ["只能併入處理中的案件 / Merge only into an open case."]})

    def keep_petitioners(c: Case) -> None:
        if c.petitioner_id and c.petitioner_id != into.petitioner_id:
            into.co_petitioners.add(c.petitioner_id)
        into.co_petitioners.add(*c.co_petitioners.values_list("pk", flat=True))
        into.related.add(c)
        events.event_merged_in(case=into, actor=by, merged=c)

    return _run(
        case=case,
        name="merge",
        by=by,
        kwargs={"into": into, "now": timezone.now()},
        fields=["merged_into", "closed_at", "on_time"],
        event=events.event_merged,
        event_args={"into": into},
        note=note,
        after=keep_petitioners,
    )


def case_reopen(*, case: Case, reason: str, by) -> Case:
    """A new round: a fresh deadline from now; the closed round stays in `CaseClosure`."""
    _require(reason, "reason", "請說明重新處理的理由 / Give the reason for reopening.")
    now = timezone.now()
    closed = {"round": case.reopen_count + 1, "state": case.state, "closed_at": case.closed_at,
              "due_at": case.due_at, "on_time": case.on_time}

    def keep_closed_round(c: Case) -> None:
        # Cases closed before closure rows existed get theirs now, from what the case held.
        c.closures.update_or_create(
            round=closed["round"], defaults={"reopened_at": now}, create_defaults={**closed, "reopened_at": now}
        )

    return _run(
        case=case,
        name="reopen",
        by=by,
        kwargs={"now": now, "calendar": WorkCalendar.load()},
        fields=[
            "closed_at", "on_time", "approved_by", "satisfaction", "surveyed_at",
            "clock_started_at", "extension_days", "missed_due_at", "due_at", "reopen_count",
        ],
        event=events.event_reopened,
        event_args={"previous_due": closed["due_at"]},
        note=reason,
        after=keep_closed_round,
    )


def case_request_extension(*, case: Case, days: int, reason: str, status_text: str, by) -> ExtensionRequest:
    """Ask for more working days, before the deadline. `status_text` is the handling status in
    the officer's words: the petitioner's extension notice quotes it."""
    _require(reason, "reason", "請說明展延理由 / Give the reason for the extension.")
    _require(
        status_text, "status_text", "請說明目前處理情形（將告知陳情人）/ Describe the current handling status (the petitioner is told)."
    )
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": ["展延天數須為整數 / Days must be a whole number."]}) from None
    if days <= 0:
        raise ValidationError({"days": ["展延天數須大於 0 / Days must be positive."]})
    calendar = WorkCalendar.load()
    new_due = deadlines.case_due(case, calendar, extension_days=case.extension_days + days)
    # A reopened case's round counts from its reopening, like its deadline.
    cap = deadlines.max_due(case.deadline_start)
    if new_due > cap:
        raise ValidationError(
            {
                "days": [
                    f"全案期限不得超過收件後 {settings.CASESYS['MAX_CASE_CALENDAR_DAYS']} 日曆天（{timezone.localtime(cap):%Y-%m-%d}）"
                    f" / The whole case may not exceed {settings.CASESYS['MAX_CASE_CALENDAR_DAYS']} calendar days."
                ]
            }
        )
    created: dict[str, ExtensionRequest] = {}

    def create_request(c: Case) -> None:
        created["req"] = ExtensionRequest.objects.create(
            case=c, days=days, reason=reason.strip(), status_text=status_text.strip(), requested_by=by
        )

    _run(
        case=case,
        name="request_extension",
        by=by,
        kwargs={},
        fields=[],
        event=events.event_extension_requested,
        note=f"{days} 工作天：{reason}",
        after=create_request,
    )
    return created["req"]


def case_decide_extension(*, case: Case, approve: bool, note: str = "", by) -> ExtensionRequest:
    req = case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    if req is None:
        raise TransitionNotPermittedNow("沒有待核的展延申請 / There is no pending extension request.")
    if not approve:
        _require(note, "note", "駁回請說明理由 / Give the reason for rejecting.")
    calendar = WorkCalendar.load()
    total = case.extension_days + req.days
    new_due = deadlines.case_due(case, calendar, extension_days=total) if approve else None
    if new_due is not None and new_due > deadlines.max_due(case.deadline_start):
        raise ValidationError({"approve": ["展延後超過全案期限上限 / The extension would exceed the case's limit."]})
    now = timezone.now()
    old_due = case.due_at

    def close_request(c: Case) -> None:
        req.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        req.decided_by = by
        req.decided_at = now
        req.decision_note = note
        req.old_due_at = old_due
        req.new_due_at = new_due
        req.save()

    _run(
        case=case,
        name="decide_extension",
        by=by,
        kwargs={"new_due_at": new_due, "extension_days": total, "now": now},
        fields=["due_at", "extension_days", "missed_due_at"],
        event=events.event_extension_approved if approve else events.event_extension_rejected,
        event_args={"extension": req},
        note=note or req.reason,
        after=close_request,
    )
    return req


# --- facts that change a case outside the workflow -----------------------------------------


def case_set_location(
    *, case: Case, lat: Any = None, lng: Any = None, address: str = "", by=None
) -> Case:
    """Where the matter is: coordinates and/or an address (today from the citizen's chat, `by`
    None; a staff path calling it checks who may edit first). Bumps `version` like any write, so
    a desk form read before it is stale."""
    fields: dict[str, Any] = {}
    if lat is not None and lng is not None:
        try:
            lat_f, lng_f = float(lat), float(lng)
        except (TypeError, ValueError):
            raise ValidationError({"lat": ["座標格式錯誤 / Coordinates must be numbers."]}) from None
        if not (-90 <= lat_f <= 90):
            raise ValidationError({"lat": ["緯度超出範圍 / Latitude out of range."]})
        if not (-180 <= lng_f <= 180):
            raise ValidationError({"lng": ["經度超出範圍 / Longitude out of range."]})
        fields.update(lat=Case._meta.get_field("lat").to_python(lat), lng=Case._meta.get_field("lng").to_python(lng))
    address = (address or "").strip()
    if address:
        fields["address"] = address[:200]
    if not fields:
        return case
    with transaction.atomic():
        # Locked and re-read: a citizen's location never loses to an officer's concurrent write.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save(update_fields=[*fields, "version", "updated_at"])
        events.event_location_set(case=locked, actor=by, address=address)
    for name in (*fields, "version", "updated_at"):
        setattr(case, name, getattr(locked, name))
    case._loaded_version = locked.version
    return case


def case_password_reissue(*, case: Case, by) -> str:
    """A new case password for a petitioner who lost theirs (the old one stops working), as
    staff tell it on the phone or print it on the receipt. Only its hash is kept; the audit
    event (public on the citizen's timeline) records who issued it. Returns the password."""
    password = generate_case_password()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        locked.password_hash = hash_case_password(password)
        locked.version += 1
        locked.save(update_fields=["password_hash", "version", "updated_at"])
        events.event_password_reissued(case=locked, actor=by)
    for name in ("password_hash", "version", "updated_at"):
        setattr(case, name, getattr(locked, name))
    case._loaded_version = locked.version
    return password


def case_record_lead_origin(*, case: Case, lead_id: int, source: str, by) -> Case:
    """The case was opened from a triaged lead: say so on its timeline (call in the conversion's
    transaction)."""
    with transaction.atomic():
        case.version += 1
        case.save(update_fields=["version", "updated_at"])
        events.event_lead_converted(case=case, actor=by, lead_id=lead_id, source=source)
    return case


# --- missed deadlines ----------------------------------------------------------------------


# --- calendar changes -----------------------------------------------------------------------


def recompute_due_dates_for_day(*, day: dt.date, reason: str, now: dt.datetime | None = None) -> list[Case]:
    """Recompute deadlines of open cases whose window covers `day`; call inside the
    transaction that changed the calendar so both commit together.

    Windows run from `deadline_start` (the receipt or the latest reopening). Working-day and
    calendar-day deadlines move (a calendar-day period ending on a day that became a rest
    day ends on the next working day); hour deadlines do not, unless an extension added
    working days to them. The dispatch deadline of undispatched cases moves too, never past
    the case's own deadline.

    A case already marked as having missed the deadline that moved is judged against the
    corrected one: not late at all if that lies ahead, else late against it.
    """
    now = now or timezone.now()
    calendar = WorkCalendar.load()
    start = end_of_day(day - dt.timedelta(days=1))
    # A case returned to intake was given a fresh dispatch window from that moment.
    returned_at = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEventKind.RETURNED_TO_INTAKE).order_by("-at").values("at")[:1]
    )
    affected = (
        Case.objects.filter(OPEN_Q)
        .annotate(clock_start=Coalesce("clock_started_at", "received_at"), returned_at=Subquery(returned_at))
        .filter(clock_start__lte=end_of_day(day))
        .filter(
            (Q(due_at__gt=start) & ~Q(sla_unit=SlaUnit.HOURS, extension_days=0))
            | Q(state=State.RECEIVED, dispatch_due_at__gt=start)
        )
        .select_for_update(of=("self",))
    )
    changed: list[Case] = []
    for case in affected:
        new_due = deadlines.case_due(case, calendar)
        fields = []
        old_due = case.due_at
        if new_due != case.due_at:
            case.due_at = new_due
            fields.append("due_at")
            if case.missed_due_at is not None and case.missed_due_at == old_due:
                case.missed_due_at = new_due if now > new_due else None
                fields.append("missed_due_at")
        if case.state == State.RECEIVED:
            new_dispatch = deadlines.compute_dispatch_due(
                received_at=case.returned_at or case.received_at, calendar=calendar, due_at=new_due
            )
            if new_dispatch != case.dispatch_due_at:
                case.dispatch_due_at = new_dispatch
                fields.append("dispatch_due_at")
        if fields:
            case.version += 1
            case.save(update_fields=[*fields, "version", "updated_at"])
            if "due_at" in fields:
                event_due_recomputed(case=case, old_due=old_due, new_due=new_due, reason=reason)
            changed.append(case)
    return changed
