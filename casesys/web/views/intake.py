"""Intake desk: register phone/letter/walk-in cases, bulk dispatch, leads triage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casesys.cases import services
from casesys.cases.exceptions import CaseError
from casesys.cases.models import Category, Language
from casesys.cases.selectors import cases_visible_to
from casesys.inbound.models import Lead
from casesys.inbound.privacy import lead_view_for
from casesys.inbound.services import LeadAlreadyDecided, lead_convert, lead_dismiss
from casesys.incidents.selectors import open_incidents_for_choice
from casesys.org.models import Role
from casesys.social.selectors import lead_alerts_for
from casesys.web.forms import (
    BulkDispatchForm,
    IntakeForm,
    LeadConvertForm,
    LeadDismissForm,
)
from casesys.web.i18n import pick, tr
from casesys.web.views import receipt
from casesys.web.views.common import apply_errors, not_found, staff_required

INTAKE_ROLES = (Role.INTAKE, Role.ADMIN)


@staff_required(*INTAKE_ROLES)
def intake_queue(request):
    from casesys.web.views.desk import queue_context

    ctx = queue_context(request, "intake")
    ctx.update({"bulk": BulkDispatchForm(), "open_incidents": open_incidents_for_choice()})
    if request.htmx and request.htmx.target == "queue-results":
        return render(request, "web/desk/_queue_table.html", {**ctx, "select": True})
    return render(request, "web/desk/intake_queue.html", ctx)


@staff_required(*INTAKE_ROLES)
@require_POST
def bulk_dispatch(request):
    form = BulkDispatchForm(request.POST)
    back = _back_to_queue(request)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, pick(e))
        return redirect(back)
    result = services.cases_bulk_dispatch(
        numbers=form.cleaned_data["cases"], department=form.cleaned_data["department"], by=request.user
    )
    if result.dispatched:
        done = ", ".join(result.dispatched)
        messages.success(
            request, tr(f"已分文 {len(result.dispatched)} 件：{done}", f"Dispatched {len(result.dispatched)} case(s): {done}")
        )
    if result.skipped:
        messages.warning(
            request,
            tr(f"{len(result.skipped)} 件未分文，原因如下。", f"{len(result.skipped)} case(s) not dispatched; the reasons follow."),
        )
    for number, reason in result.skipped:
        messages.error(request, f"{number}: {pick(reason)}")
    return redirect(back)


def _back_to_queue(request) -> str:
    """Back to the intake queue as it was (filters, sort), never to another site."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    base = reverse("web:intake_queue")
    nxt = request.POST.get("next") or ""
    if nxt.startswith(base) and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return base


@staff_required(*INTAKE_ROLES)
def intake_new(request):
    form = IntakeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            category = Category.objects.filter(pk=d["category"], active=True).first()
            if category is None:
                form.add_error("category", "請選擇類別 / Choose a category.")
            else:
                received_at = d.get("received_at")
                if received_at is not None and timezone.is_naive(received_at):
                    received_at = timezone.make_aware(received_at)
                try:
                    result = services.case_intake(
                        channel=d["channel"],
                        category=category,
                        urgency=d.get("urgency"),
                        subject=d["subject"],
                        description=d["description"],
                        received_at=received_at,
                        language=d.get("language") or Language.ZH,
                        petitioner={
                            "name": d.get("name"), "phone": d.get("phone"),
                            "email": d.get("email"), "address": d.get("postal_address"),
                        },
                        location={
                            "address": d.get("address"), "district": d.get("district"),
                            "lat": d.get("lat"), "lng": d.get("lng"),
                        },
                        confidential=d.get("confidential", False),
                        by=request.user,
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    _link_chosen_incident(request, result.case)
                    if receipt.offers_receipt(result.case):
                        # The clear password exists only now: kept for this officer's receipt.
                        receipt.remember_password(request, number=result.case.number, password=result.password)
                    messages.success(
                        request,
                        tr(
                            f"已登錄 {result.case.number}，查詢密碼 {result.password}（請告知陳情人）",
                            f"Registered {result.case.number}; case password {result.password} (tell the petitioner)",
                        ),
                    )
                    # Keep the channel for the next call: intake staff register many in a row.
                    return redirect(f"{request.path}?channel={d['channel']}&last={result.case.number}")
    elif request.GET.get("channel"):
        form = IntakeForm(initial={"channel": request.GET["channel"]})
    last = request.GET.get("last", "")
    return render(
        request, "web/desk/intake_new.html", {"form": form, "last": last, **_last_case_suggestions(request, last)}, status=status
    )


def _link_chosen_incident(request, case) -> None:
    """The incident intake picked among the suggestions while registering (one click)."""
    from casesys.incidents.models import Incident
    from casesys.incidents.services import incident_link

    raw = request.POST.get("incident") or ""
    incident = Incident.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if incident is None:
        return
    try:
        incident_link(incident=incident, cases=[case], by=request.user)
    except (ValidationError, CaseError) as exc:
        # The case is registered either way; say why it is not linked.
        messages.error(request, " ".join(pick(m) for m in exc.messages) if isinstance(exc, ValidationError) else pick(exc.message))
    else:
        messages.success(request, tr(f"已併入事件「{incident.title}」", f"Linked to the incident “{incident.title}”"))


def _last_case_suggestions(request, number: str) -> dict:
    """After registering: the incidents the last case is probably about, each one click away."""
    from casesys.cases.selectors import case_get_visible
    from casesys.incidents.models import IncidentLink
    from casesys.incidents.suggest import suggest_for_case

    case = case_get_visible(user=request.user, number=number) if number and len(number) <= 32 else None
    if case is None:
        return {}
    link = IncidentLink.objects.select_related("incident").filter(case=case).first()
    return {
        "last_case": case, "last_link": link, "last_suggestions": [] if link else suggest_for_case(case),
        "last_receipt": receipt.offers_receipt(case),
    }


# --- leads triage -------------------------------------------------------------------------------


@staff_required(Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
def leads(request):
    status = request.GET.get("status", Lead.Status.NEW)
    if status not in Lead.Status.values:
        status = Lead.Status.NEW
    # Untriaged leads by their first-triage deadline, overdue first (leads from before the
    # response clock, without one, last); decided ones newest first.
    order = [F("triage_due_at").asc(nulls_last=True), "-occurred_at"] if status == Lead.Status.NEW else ["-occurred_at"]
    items = list(
        Lead.objects.filter(status=status)
        .select_related("suggested_category", "group", "case")
        .order_by(*order)[:100]
    )
    now = timezone.now()
    from casesys.incidents.models import Incident

    # Suggestions cost a query or two per lead: only while some incident is open.
    any_open = Incident.objects.filter(status="open").exists()
    # The cases each lead raised an alert about, for all leads at once (two queries).
    alerts = lead_alerts_for(user=request.user, lead_ids=[lead.pk for lead in items])
    # A converted lead's case is linked only for those who may open it (one query for the page).
    converted = [lead.case_id for lead in items if lead.case_id]
    openable = set(cases_visible_to(request.user).filter(pk__in=converted).values_list("pk", flat=True)) if converted else set()
    for lead in items:
        lead.case_openable = lead.case_id in openable
        # The sender as this user may see them (like the converted case's petitioner).
        lead.shown = lead_view_for(request.user, lead)
        lead.is_triage_overdue = status == Lead.Status.NEW and lead.triage_due_at is not None and lead.triage_due_at < now
        lead.incident_suggestions = _lead_suggestions(lead) if any_open else []
        lead.case_alerts = alerts.get(lead.pk, [])
    return render(
        request,
        "web/desk/leads.html",
        {
            "items": items,
            "status": status,
            "statuses": Lead.Status.choices,
            "convert_form": LeadConvertForm(),
            "dismiss_form": LeadDismissForm(),
            "available": True,
        },
    )


def _lead_suggestions(lead) -> list:
    """Open incidents a lead is probably about: by its case once converted (one click links
    it), else by its suggested category, time and wording (a lead has no place)."""
    from casesys.incidents.suggest import Draft, suggest_for_case, suggest_incidents

    if lead.case is not None:
        return suggest_for_case(lead.case) if lead.case.is_open else []
    if lead.status != Lead.Status.NEW or lead.suggested_category is None:
        return []
    category = lead.suggested_category
    return suggest_incidents(
        draft=Draft(
            category_id=category.pk, category_parent_id=category.parent_id, received_at=lead.occurred_at,
            text=f"{lead.title}\n{lead.text}",
        )
    )


@staff_required(Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
@require_POST
def lead_decide(request, pk: int, decision: str):
    lead = Lead.objects.filter(pk=pk).first()
    if lead is None:
        return not_found(request, tr("找不到線索。", "Lead not found."))
    try:
        if decision == "convert":
            form = LeadConvertForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            category = Category.objects.get(pk=form.cleaned_data["category"])
            result = lead_convert(lead=lead, by=request.user, category=category, subject=form.cleaned_data["subject"])
            messages.success(request, tr(f"已立案 {result.case.number}", f"Opened case {result.case.number}"))
        elif decision == "dismiss":
            form = LeadDismissForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            lead_dismiss(lead=lead, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, tr("已標記為不處理", "Dismissed"))
        else:
            return not_found(request)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, pick(m))
    except LeadAlreadyDecided:
        messages.error(request, tr("此線索已由他人處理。", "Someone already decided this lead."))
    except CaseError as exc:
        messages.error(request, pick(exc.message))
    return redirect("web:leads")

