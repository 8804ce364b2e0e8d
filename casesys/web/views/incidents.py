"""Incidents on the desk: the list with counts, the incident page, one-click linking from the
case page, intake and the queues, the intake suggestion, the reply and close-all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casesys.cases.exceptions import CaseError
from casesys.cases.models import Category
from casesys.cases.selectors import case_get_visible, cases_visible_to
from casesys.incidents import selectors
from casesys.incidents.models import Incident
from casesys.incidents.services import (
    MANAGE_ROLES,
    can_close,
    can_draft_reply,
    incident_close_all,
    incident_create,
    incident_draft_reply,
    incident_link,
    incident_unlink,
)
from casesys.incidents.suggest import Draft, suggest_incidents
from casesys.web.i18n import pick, tr
from casesys.web.views.common import not_found, staff_required


class IncidentCreateForm(forms.Form):
    title = forms.CharField(label="事件名稱（公開）/ Title (public)", max_length=200)
    public_description = forms.CharField(
        label="公開說明 / Public description", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class IncidentReplyForm(forms.Form):
    reply = forms.CharField(
        label="統一答復（{number} 代入各案案號）/ Reply to every case ({number} becomes each case's number)",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _messages_from(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in exc.messages:
            messages.error(request, pick(m))
    elif isinstance(exc, CaseError):
        messages.error(request, pick(exc.message))


def _back(request, fallback: str):
    # Only our own paths: never an open redirect.
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect(fallback)


def case_incident_context(user, case) -> dict:
    """The case page's incident panel: its incident, or suggestions and the create form."""
    from casesys.incidents.models import IncidentLink
    from casesys.incidents.suggest import suggest_for_case

    link = IncidentLink.objects.select_related("incident").filter(case=case).first()
    can_manage = bool(set(MANAGE_ROLES) & _roles(user))
    return {
        "incident_link": link,
        # Closed cases are history: suggesting incidents for them would only be noise.
        "incident_suggestions": suggest_for_case(case) if link is None and can_manage and case.is_open else [],
        "incident_can_manage": can_manage,
        "incident_form": IncidentCreateForm(prefix="incident", initial={"title": case.subject}),
    }


# --- list and page ---------------------------------------------------------------------------------


@staff_required()
def incident_list(request):
    status = request.GET.get("status", "open")
    if status not in ("open", "closed", "all"):
        status = "open"
    items = list(selectors.incident_list(status=None if status == "all" else status)[:200])
    return render(request, "web/desk/incidents.html", {"items": items, "status": status})


def _incident_context(request, incident: Incident, *, reply_form=None) -> dict:
    cases, hidden = selectors.incident_cases_for(incident=incident, user=request.user)
    return {
        "incident": incident,
        "cases": cases,
        "hidden_count": hidden,
        "can_manage": bool(set(MANAGE_ROLES) & _roles(request.user)),
        "can_draft": incident.is_open and can_draft_reply(incident, request.user),
        "can_close": can_close(incident, request.user),
        "reply_form": reply_form or IncidentReplyForm(initial={"reply": incident.reply}),
    }


def _roles(user) -> set[str]:
    from casesys.org.roles import roles_of

    return roles_of(user)


@staff_required()
def incident_detail(request, pk: int):
    incident = selectors.incident_get(pk=pk)
    if incident is None:
        return not_found(request, tr("找不到事件。", "Incident not found."))
    return render(request, "web/desk/incident.html", _incident_context(request, incident))


# --- create and link -------------------------------------------------------------------------------


@staff_required(*MANAGE_ROLES)
@require_POST
def incident_new(request, number: str):
    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    form = IncidentCreateForm(request.POST, prefix="incident")
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, pick(e))
        return redirect("web:case", number=case.number)
    try:
        incident = incident_create(
            case=case, title=form.cleaned_data["title"], public_description=form.cleaned_data["public_description"], by=request.user
        )
    except (ValidationError, CaseError) as exc:
        _messages_from(request, exc)
        return redirect("web:case", number=case.number)
    messages.success(request, tr(f"已建立事件：{incident.title}", f"Incident opened: {incident.title}"))
    return redirect("web:incident", pk=incident.pk)


@staff_required(*MANAGE_ROLES)
@require_POST
def incident_link_cases(request, pk: int):
    """Link one case (a button) or the cases ticked in a queue (`cases`, by number)."""
    incident = Incident.objects.filter(pk=pk).first()
    if incident is None:
        return not_found(request, tr("找不到事件。", "Incident not found."))
    numbers = [n for n in request.POST.getlist("cases") if n][:500]
    cases = list(cases_visible_to(request.user).filter(number__in=numbers)) if numbers else []
    if not cases or len(cases) != len(set(numbers)):
        messages.error(request, tr("請選擇您可處理的案件。", "Choose cases you may handle."))
        return _back(request, f"/desk/incidents/{pk}/")
    try:
        incident_link(incident=incident, cases=cases, by=request.user)
    except (ValidationError, CaseError) as exc:
        _messages_from(request, exc)
    else:
        done = ", ".join(sorted(c.number for c in cases))
        messages.success(request, tr(f"已併入事件「{incident.title}」：{done}", f"Linked to “{incident.title}”: {done}"))
    return _back(request, f"/desk/incidents/{pk}/")


@staff_required(*MANAGE_ROLES)
@require_POST
def incident_link_selected(request):
    """The queues' bulk form: the incident comes from a drop-down."""
    raw = request.POST.get("incident") or ""
    if not raw.isdigit():
        messages.error(request, tr("請選擇事件。", "Choose an incident."))
        return _back(request, "/desk/incidents/")
    return incident_link_cases(request, int(raw))


@staff_required(*MANAGE_ROLES)
@require_POST
def incident_unlink_case(request, pk: int, number: str):
    incident = Incident.objects.filter(pk=pk).first()
    case = case_get_visible(user=request.user, number=number)
    if incident is None or case is None:
        return not_found(request)
    try:
        incident_unlink(incident=incident, case=case, by=request.user)
    except (ValidationError, CaseError) as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, tr(f"已自事件移除 {case.number}", f"Removed {case.number} from the incident"))
    return redirect("web:incident", pk=pk)


# --- reply and close all ---------------------------------------------------------------------------


@staff_required()
@require_POST
def incident_reply(request, pk: int):
    incident = selectors.incident_get(pk=pk)
    if incident is None:
        return not_found(request, tr("找不到事件。", "Incident not found."))
    form = IncidentReplyForm(request.POST)
    if form.is_valid():
        try:
            incident_draft_reply(incident=incident, reply=form.cleaned_data["reply"], by=request.user)
        except (ValidationError, CaseError) as exc:
            _messages_from(request, exc)
        else:
            messages.success(request, tr("已儲存統一答復，待主管核定", "Reply saved; a supervisor approves it"))
            return redirect("web:incident", pk=pk)
    return render(request, "web/desk/incident.html", _incident_context(request, incident, reply_form=form), status=400)


@staff_required()
@require_POST
def incident_close(request, pk: int):
    incident = Incident.objects.filter(pk=pk).first()
    if incident is None:
        return not_found(request, tr("找不到事件。", "Incident not found."))
    try:
        result = incident_close_all(incident=incident, by=request.user)
    except (ValidationError, CaseError) as exc:
        _messages_from(request, exc)
    else:
        n = len(result.closed)
        messages.success(request, tr(f"已答復並結案 {n} 件，事件已結束", f"Replied to and closed {n} case(s); the incident is closed"))
    return redirect("web:incident", pk=pk)


# --- suggestions -----------------------------------------------------------------------------------


def _decimal(raw: str | None) -> float | None:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        return None
    return float(value) if value.is_finite() else None


@staff_required(*MANAGE_ROLES)
@require_POST
def intake_suggestions(request):
    """htmx, while intake types: open incidents the draft is probably about, as choices
    that link the case as it is registered. A POST although it writes nothing: the draft's
    wording must not end up in URLs and access logs."""
    data = request.POST
    category = None
    raw = data.get("category") or ""
    if raw.isdigit():
        category = Category.objects.filter(pk=int(raw)).first()
    suggestions = []
    if category is not None:
        lat, lng = _decimal(data.get("lat")), _decimal(data.get("lng"))
        if lat is not None and not -90 <= lat <= 90 or lng is not None and not -180 <= lng <= 180:
            lat = lng = None
        received_at = timezone.now()
        raw_at = data.get("received_at") or ""
        if raw_at:
            try:
                parsed = dt.datetime.strptime(raw_at, "%Y-%m-%dT%H:%M")
                received_at = timezone.make_aware(parsed)
            except ValueError:
                pass
        text = f"{data.get('subject', '')}\n{data.get('description', '')}"[:5000]
        suggestions = suggest_incidents(
            draft=Draft(
                category_id=category.pk, category_parent_id=category.parent_id, received_at=received_at, text=text,
                lat=lat if lng is not None else None, lng=lng if lat is not None else None,
                district=(data.get("district") or "")[:20],
            )
        )
    # Keep intake's choice while they go on typing (the list is fetched again on each change).
    raw_chosen = data.get("incident") or ""
    chosen = int(raw_chosen) if raw_chosen.isdigit() else None
    if chosen not in {s.incident_id for s in suggestions}:
        chosen = None
    return render(request, "web/desk/_incident_choices.html", {"suggestions": suggestions, "chosen": chosen})
