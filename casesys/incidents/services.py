"""Writes to incidents: create, link, unlink, draft the reply, reply to and close them all.

Every function is keyword-only and atomic. Linking and unlinking write an audit event on the
case. Closing an incident runs each linked case through its own workflow services, so each
keeps its number, password, timeline and on-time result and its petitioner is told through
their own channel by the usual receivers of the `closed` event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django_fsm import has_transition_perm

from casesys.cases import services as case_services
from casesys.cases.events import record_event
from casesys.cases.exceptions import CaseError, TransitionPermissionDenied
from casesys.cases.models import Case, ExtensionRequest, State
from casesys.cases.search import text_bigrams
from casesys.cases.selectors import cases_visible_to
from casesys.incidents.models import Incident, IncidentLink
from casesys.org.models import Department, Role, StaffProfile
from casesys.org.roles import has_role, in_subtree, is_admin, user_department

# Bigrams kept per incident: enough for the wording of a few hundred reports of one event.
MAX_BIGRAMS = 4000
MANAGE_ROLES = (Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class IncidentError(CaseError):
    """An incident action that is not possible now (409 in the API, a message on the page)."""

    status_code = 409
    default_message = "事件目前的狀態不允許此動作 / The incident's current state does not allow this action."


def can_manage(user) -> bool:
    """Create incidents and link or unlink cases one can see: intake, officers, supervisors."""
    return has_role(user, *MANAGE_ROLES)


def can_draft_reply(incident: Incident, user) -> bool:
    if is_admin(user):
        return True
    dept = user_department(user)
    if has_role(user, Role.SUPERVISOR) and in_subtree(incident.owner_department, dept):
        return True
    return has_role(user, Role.OFFICER, Role.SUPERVISOR) and in_subtree(dept, incident.owner_department)


def can_close(incident: Incident, user) -> bool:
    return incident.is_open and has_transition_perm(incident.close, user)


def _require_manager(by) -> None:
    if not can_manage(by):
        raise TransitionPermissionDenied("您沒有管理事件的權限 / You may not manage incidents.")


def _require_visible(case: Case, by) -> None:
    if not cases_visible_to(by).filter(pk=case.pk).exists():
        raise TransitionPermissionDenied("您無權處理此案件 / You may not handle this case.")


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise IncidentError("事件已結束 / The incident is closed.")


# --- the incident's profile (place, time, wording) ---------------------------------------------


def _grow(incident: Incident, case: Case) -> list[str]:
    """Widen the incident's box, window and wording by one report; the fields changed."""
    fields = ["last_report_at", "started_at", "bigrams"]
    if case.lat is not None and case.lng is not None:
        lat, lng = Decimal(case.lat), Decimal(case.lng)
        incident.min_lat = lat if incident.min_lat is None else min(incident.min_lat, lat)
        incident.max_lat = lat if incident.max_lat is None else max(incident.max_lat, lat)
        incident.min_lng = lng if incident.min_lng is None else min(incident.min_lng, lng)
        incident.max_lng = lng if incident.max_lng is None else max(incident.max_lng, lng)
        fields += ["min_lat", "max_lat", "min_lng", "max_lng"]
    incident.started_at = min(incident.started_at, case.received_at)
    incident.last_report_at = max(incident.last_report_at, case.received_at)
    words = set(incident.bigrams)
    if len(words) < MAX_BIGRAMS:
        words |= text_bigrams(f"{case.subject}\n{case.description}")
        incident.bigrams = sorted(words)[:MAX_BIGRAMS]
    return fields


def _rebuild(incident: Incident) -> None:
    """Recompute the profile from the reports still linked (after an unlink)."""
    cases = Case.objects.filter(incident_link__incident=incident)
    agg = cases.aggregate(
        min_lat=Min("lat"), max_lat=Max("lat"), min_lng=Min("lng"), max_lng=Max("lng"),
        started=Min("received_at"), last=Max("received_at"),
    )
    incident.min_lat, incident.max_lat = agg["min_lat"], agg["max_lat"]
    incident.min_lng, incident.max_lng = agg["min_lng"], agg["max_lng"]
    if agg["started"] is not None:
        incident.started_at, incident.last_report_at = agg["started"], agg["last"]
    words: set[str] = set()
    for subject, description in cases.values_list("subject", "description")[:500]:
        words |= text_bigrams(f"{subject}\n{description}")
    incident.bigrams = sorted(words)[:MAX_BIGRAMS]
    incident.save(
        update_fields=["min_lat", "max_lat", "min_lng", "max_lng", "started_at", "last_report_at", "bigrams", "updated_at"]
    )


def _link(*, incident: Incident, case: Case, by, now: dt.datetime) -> IncidentLink:
    try:
        with transaction.atomic():
            link = IncidentLink.objects.create(incident=incident, case=case, linked_by=by if getattr(by, "pk", None) else None, linked_at=now)
    except IntegrityError:
        raise ValidationError(
            {"case": [f"{case.number} 已屬於另一事件 / {case.number} already belongs to an incident."]}
        ) from None
    record_event(
        case=case,
        kind="incident_linked",
        actor=by,
        note=f"事件 #{incident.pk}",
        changes={"incident": [None, incident.pk]},
        public_args={"title": incident.title},
    )
    return link


# --- create, link, unlink ------------------------------------------------------------------------


def incident_create(
    *,
    case: Case,
    title: str,
    by,
    public_description: str = "",
    owner_department: Department | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Open an incident from its first report (the case is linked to it)."""
    _require_manager(by)
    _require_visible(case, by)
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["請填寫事件名稱 / Give the incident a title."]
    owner = owner_department or case.department or case.category.department
    if owner is None:
        errors["owner_department"] = ["請選擇主責單位 / Choose the owner department."]
    elif not owner.active:
        errors["owner_department"] = ["此單位已停用 / This department is inactive."]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident(
            title=title[:200],
            public_description=(public_description or "").strip(),
            category=case.category,
            owner_department=owner,
            district=case.district or "",
            started_at=case.received_at,
            last_report_at=case.received_at,
            created_by=by if getattr(by, "pk", None) else None,
        )
        _grow(incident, case)
        incident.save()
        _link(incident=incident, case=case, by=by, now=now)
    return incident


def incident_link(*, incident: Incident, cases: list[Case], by, now: dt.datetime | None = None) -> list[IncidentLink]:
    """Link cases to an open incident (one or many: all or none)."""
    _require_manager(by)
    if not cases:
        raise ValidationError({"cases": ["請選擇案件 / Choose at least one case."]})
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        _require_open(incident)
        visible = set(cases_visible_to(by).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
        links = []
        fields: set[str] = set()
        for case in sorted(cases, key=lambda c: (c.received_at, c.pk)):
            if case.pk not in visible:
                raise TransitionPermissionDenied("您無權處理此案件 / You may not handle this case.")
            links.append(_link(incident=incident, case=case, by=by, now=now))
            fields.update(_grow(incident, case))
        incident.save(update_fields=sorted(fields | {"updated_at"}))
    return links


def incident_unlink(*, incident: Incident, case: Case, by) -> None:
    _require_manager(by)
    _require_visible(case, by)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        _require_open(incident)
        deleted, _ = IncidentLink.objects.filter(incident=incident, case=case).delete()
        if not deleted:
            raise ValidationError({"case": [f"{case.number} 不屬於此事件 / {case.number} is not linked to this incident."]})
        record_event(case=case, kind="incident_unlinked", actor=by, note=f"事件 #{incident.pk}", changes={"incident": [incident.pk, None]})
        _rebuild(incident)


def incident_update(*, incident: Incident, by, title: str | None = None, public_description: str | None = None) -> Incident:
    _require_manager(by)
    _require_open(incident)
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": ["請填寫事件名稱 / Give the incident a title."]})
        incident.title = title.strip()[:200]
    if public_description is not None:
        incident.public_description = public_description.strip()
    incident.save(update_fields=["title", "public_description", "updated_at"])
    return incident


# --- one reply for every linked case ----------------------------------------------------------------


def incident_draft_reply(*, incident: Incident, reply: str, by, now: dt.datetime | None = None) -> Incident:
    """The reply every linked case will get (`{number}` becomes each case's number). Drafted
    by an officer of the owner department; a supervisor approves it by closing the incident."""
    _require_open(incident)
    if not can_draft_reply(incident, by):
        raise TransitionPermissionDenied("只有主責單位的承辦人可擬答復 / Only the owner department's officers draft the reply.")
    if not (reply or "").strip():
        raise ValidationError({"reply": ["請填寫答復內容 / Write the reply."]})
    incident.reply = reply.strip()
    incident.reply_drafted_by = by
    incident.reply_drafted_at = now or timezone.now()
    incident.save(update_fields=["reply", "reply_drafted_by", "reply_drafted_at", "updated_at"])
    return incident


@dataclass(frozen=True)
class CloseAllResult:
    incident: Incident
    closed: list[str]  # case numbers replied to and closed now
    already_final: list[str]  # linked cases that had already reached a final state


def _drafter_can_handle(case: Case, profile: StaffProfile) -> bool:
    """Can the reply's drafter be this case's officer (case_assign's rule)?"""
    if case.department is None:
        return False
    return in_subtree(profile.department, case.department) or (
        profile.has_role(Role.SUPERVISOR) and in_subtree(case.department, profile.department)
    )


def _answer(case: Case, *, incident: Incident, drafter, profile: StaffProfile, by) -> None:
    """Take one open case to `closed` through its normal transitions.

    The routing steps (taking back a reply under review, returning it to intake, routing and
    assigning it to the reply's drafter) are done by the system on the incident's authority,
    checked once for the whole incident; the reply is submitted by its drafter and approved
    by the supervisor closing the incident, so four eyes holds for every case."""
    why = f"事件 #{incident.pk} 統一答復 / Answered with incident #{incident.pk}"
    owner = incident.owner_department
    if case.state == State.PENDING_APPROVAL:
        case_services.case_return_reply(case=case, comment=why, by=None)
    if case.state in (State.DISPATCHED, State.IN_PROGRESS) and not (
        in_subtree(case.department, owner) and _drafter_can_handle(case, profile)
    ):
        case_services.case_return_to_intake(case=case, reason=why, by=None)
        case.refresh_from_db()
    if case.state == State.RECEIVED:
        case_services.case_dispatch(case=case, department=owner, by=None, note=why)
    if case.state == State.DISPATCHED or case.assignee_id != drafter.pk:
        case_services.case_assign(case=case, assignee=drafter, by=None, note=why)
    case_services.case_submit_reply(case=case, reply=incident.reply.replace("{number}", case.number), by=drafter)
    case_services.case_approve(case=case, by=by, note=why)


def incident_close_all(*, incident: Incident, by, now: dt.datetime | None = None) -> CloseAllResult:
    """Reply to and close every open linked case, then close the incident. All or nothing:
    if any case cannot be closed, nothing is, and the error names the case."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("owner_department").get(pk=incident.pk)
        _require_open(incident)
        if not has_transition_perm(incident.close, by):
            raise TransitionPermissionDenied(
                "只有主責單位的主管可核定並結束事件 / Only a supervisor of the owner department may approve and close the incident."
            )
        if not incident.reply.strip() or incident.reply_drafted_by_id is None:
            raise ValidationError({"reply": ["請先擬定統一答復 / Draft the reply first."]})
        drafter = incident.reply_drafted_by
        if settings.CASESYS.get("FOUR_EYES", True) and drafter.pk == by.pk:
            raise TransitionPermissionDenied("不可核定自己擬辦的答復 / You cannot approve your own reply.")
        profile = StaffProfile.objects.select_related("department").filter(user=drafter).first()
        if profile is None:
            raise ValidationError({"reply": ["擬稿人不是承辦人 / The reply's drafter is not a case officer."]})
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "department")
            .filter(incident_link__incident=incident)
            .order_by("received_at", "pk")
        )
        open_cases = [c for c in cases if c.is_open]
        waiting = list(
            ExtensionRequest.objects.filter(case__in=open_cases, status=ExtensionRequest.Status.PENDING)
            .values_list("case__number", flat=True)
        )
        if waiting:
            raise IncidentError(
                f"展延申請待核，請先核定：{', '.join(waiting)} / Decide the pending extension requests first: {', '.join(waiting)}"
            )
        closed = []
        for case in open_cases:
            try:
                _answer(case, incident=incident, drafter=drafter, profile=profile, by=by)
            except ValidationError as exc:
                raise ValidationError({"cases": [f"{case.number}: {' '.join(exc.messages)}"]}) from exc
            except CaseError as exc:
                raise IncidentError(f"{case.number}: {exc.message}") from exc
            closed.append(case.number)
        incident.close(by=by, now=now)
        incident.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return CloseAllResult(incident=incident, closed=closed, already_final=[c.number for c in cases if not c.is_open])
