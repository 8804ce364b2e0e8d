"""The officer's desk: queues, the case page and its actions, notes, identity reveal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from casesys.cases.exceptions import CaseError
from casesys.cases.identity import (
    RevealNotAllowed,
    description_for,
    identity_reveal,
    may_reveal_identity,
    petitioner_for,
)
from casesys.cases.models import Attachment, Case, CaseEvent, ExtensionRequest
from casesys.cases.notes import NOT_ALLOWED as NOTE_NOT_ALLOWED
from casesys.cases.notes import can_add_note, case_add_note
from casesys.cases.selectors import case_get_visible
from casesys.cases.services import assign_unchanged
from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.web import selectors
from casesys.web.actions import ACTIONS, available_actions, build_form
from casesys.web.forms import NoteForm, QueueFilterForm
from casesys.web.i18n import pick, tr
from casesys.web.models import ReplyTemplate
from casesys.web.services import saved_filter_query
from casesys.web.views.common import apply_errors, forbidden, not_found, staff_required


def home(request):
    roles = roles_of(request.user)
    if not roles:
        return render(request, "web/portal/home.html")
    if roles & {Role.OFFICER, Role.SUPERVISOR}:
        return redirect("web:queue_mine")
    if Role.INTAKE in roles:
        return redirect("web:intake_queue")
    if Role.ANALYST in roles:
        return redirect("web:dashboard")
    return redirect("web:queue_department")


QUEUE_TITLES = {
    "mine": ("我的案件", "My queue"),
    "department": ("單位案件", "Department queue"),
    "intake": ("待分文案件", "Intake queue"),
}


SORT_COLUMNS = {
    "number": ("案號", "Case"),
    "received": ("受理時間", "Received"),
    "channel": ("管道", "Channel"),
    "state": ("狀態", "State"),
    "due": ("期限", "Due"),
}


def _sort_links(params, current: str) -> dict:
    """Per sortable column: the link that sorts by it (toggling the direction when it is the
    current sort) and its aria-sort value. Links, so sorting works without JavaScript."""
    out = {}
    current_key = current.lstrip("-")
    for key in SORT_COLUMNS:
        q = params.copy()
        q.pop("sort", None)
        if key == current_key:
            q["sort"] = key if current.startswith("-") else f"-{key}"
            aria = "descending" if current.startswith("-") else "ascending"
        else:
            q["sort"] = key
            aria = ""
        out[key] = {"url": "?" + q.urlencode(), "aria": aria}
    return out


def queue_context(request, scope: str) -> dict:
    """The queue's filters, sort, tab, page and saved filters (my, department and intake queues)."""
    from casesys.web.models import SavedFilter

    form = QueueFilterForm(request.GET or None)
    filters: dict = {}
    search = ""
    if form.is_bound and form.is_valid():
        drop = {"q", "state"} if scope == "intake" else {"q"}
        filters = {k: v for k, v in form.cleaned_data.items() if k not in drop and v}
        search = form.cleaned_data.get("q") or ""
    page = selectors.queue_page(
        user=request.user,
        scope=scope,
        filters=filters,
        search=search,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        sort=request.GET.get("sort"),
        tab=request.GET.get("tab"),
    )
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("before", None)
    tab_links = {}
    if scope == "mine":
        for name in selectors.TABS:
            q = params.copy()
            q["tab"] = name
            tab_links[name] = "?" + q.urlencode()
    return {
        "scope": scope,
        "title": tr(*QUEUE_TITLES[scope]),
        "form": form,
        "page": page,
        "base_query": params.urlencode(),
        "sort_links": _sort_links(params, page.sort),
        "tab_links": tab_links,
        "saved_filters": list(SavedFilter.objects.filter(user=request.user, scope=scope)),
        "saved_query": params.urlencode(),
    }


def _queue(request, scope: str):
    ctx = {**queue_context(request, scope), **_incident_bulk(request.user)}
    if request.htmx and request.htmx.target == "queue-results":
        return render(request, "web/desk/_queue_table.html", ctx)
    from casesys.notifications.selectors import contact_tasks_for_queue
    from casesys.web.views.cohandling import queue_parts

    # Notices to deliver by phone or letter, above the table (not part of its htmx refresh).
    ctx["contact_tasks"] = contact_tasks_for_queue(user=request.user, scope=scope)
    # Co-handling parts the user's department is asked to do (協辦), above the table too.
    ctx["co_parts"] = queue_parts(request.user, scope)
    return render(request, "web/desk/queue.html", ctx)


QUEUE_URLS = {"mine": "web:queue_mine", "department": "web:queue_department", "intake": "web:intake_queue"}


@staff_required()
@require_POST
def saved_filter_save_view(request):
    from casesys.web.services import saved_filter_save

    scope = request.POST.get("scope", "")
    if scope not in QUEUE_URLS:
        return not_found(request, tr("沒有這個佇列。", "No such queue."))
    try:
        saved = saved_filter_save(
            user=request.user, name=request.POST.get("name", ""), scope=scope, query=request.POST.get("query", "")
        )
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for m in msgs:
                messages.error(request, pick(m))
        return redirect(reverse(QUEUE_URLS[scope]) + "?" + saved_filter_query(request.POST.get("query", "")))
    messages.success(request, tr(f"已儲存篩選「{saved.name}」", f"Saved the filter “{saved.name}”"))
    return redirect(reverse(QUEUE_URLS[scope]) + ("?" + saved.query if saved.query else ""))


@staff_required()
@require_POST
def saved_filter_delete_view(request, pk: int):
    from casesys.web.models import SavedFilter
    from casesys.web.services import saved_filter_delete

    saved = SavedFilter.objects.filter(user=request.user, pk=pk).first()
    if saved is None:
        return not_found(request, tr("找不到這個篩選。", "No such saved filter."))
    saved_filter_delete(user=request.user, pk=pk)
    messages.success(request, tr(f"已刪除篩選「{saved.name}」", f"Deleted the filter “{saved.name}”"))
    return redirect(QUEUE_URLS.get(saved.scope, "web:home"))


def _incident_bulk(user) -> dict:
    """Tick boxes and a "link to incident" form on the queues while incidents are open."""
    from casesys.incidents.selectors import open_incidents_for_choice
    from casesys.incidents.services import can_manage

    incidents = open_incidents_for_choice() if can_manage(user) else []
    return {"select": bool(incidents), "open_incidents": incidents}


@staff_required()
def queue_mine(request):
    return _queue(request, "mine")


@staff_required()
def queue_department(request):
    return _queue(request, "department")


# --- the case page ------------------------------------------------------------------------------


def _case_or_404(request, number: str) -> Case | None:
    return case_get_visible(user=request.user, number=number)


def _case_context(
    request, case: Case, *, bound: dict | None = None, petitioner=None, note_form=None, revealed: bool = False
) -> dict:
    from django.utils import timezone

    from casesys.web.views.cohandling import parts_context
    from casesys.web.views.followups import follow_up_panel
    from casesys.web.views.incidents import case_incident_context
    from casesys.web.views.maps import case_map_context
    from casesys.workcal.calendar import WorkCalendar

    bound = bound or {}
    actions = []
    for action in available_actions(case, request.user):
        actions.append({"action": action, "form": bound.get(action.name) or build_form(action, case)})
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    description = description_for(request.user, case, revealed=revealed)
    from casesys.web.views.receipt import offers_receipt

    return {
        "case": case,
        "offers_receipt": offers_receipt(case),
        "urgency": selectors.urgency_of(case, calendar=WorkCalendar.load(), now=timezone.now()),
        "events": events,
        "petitioner": petitioner or petitioner_for(request.user, case, contacts=False),
        "description": description,
        "description_masked": description != case.description,
        "can_reveal": may_reveal_identity(request.user, case),
        "follow_ups": follow_up_panel(request.user, case),
        "repeat_candidates": selectors.repeat_candidates(user=request.user, case=case),
        "attachments": list(case.attachments.all()),
        "related": selectors.related_cases(user=request.user, case=case),
        "notes": list(case.notes.select_related("author")),
        "note_form": note_form or NoteForm(),
        "can_add_note": can_add_note(case, request.user),
        "actions": actions,
        "open_action": next(iter(bound), None),
        # Final transitions withdraw a pending request; a closed case never shows one.
        "pending_extension": case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
        if case.is_open
        else None,
        "action_notes": selectors.case_action_notes(case=case, user=request.user),
        "closures": list(case.closures.order_by("round")),
        **_citizen_notices_context(request.user, case),
        **case_incident_context(request.user, case),
        **case_map_context(request.user, case),  # the pin and nearby open cases (casesys.web.maps)
        **parts_context(request.user, case),  # co-handling (casesys.web.views.cohandling)
    }


def _citizen_notices_context(user, case: Case) -> dict:
    from casesys.cases.identity import clear_view
    from casesys.notifications.selectors import case_failed_citizen_notices, case_open_contact_tasks
    from casesys.web.views.notices import ContactTaskDoneForm

    tasks = list(case_open_contact_tasks(case))
    for task in tasks:
        task.contact = None
        if task.case_id == case.pk:
            continue  # this page's own petitioner panel has the contact
        # A merged case's petitioner: masked as the rules for their own case say, except for
        # the officer answering the carrying case, who is the one to call them (as the
        # assignee sees their own case's petitioner), unless they asked for confidentiality.
        task.contact = petitioner_for(user, task.case, contacts=False)
        handling = case.assignee_id is not None and case.assignee_id == user.pk
        if task.contact is not None and task.contact.masked and handling and not task.case.confidential:
            task.contact = clear_view(task.case.petitioner, confidential=False, contacts=False)
    return {
        "contact_tasks": tasks,
        "failed_notices": list(case_failed_citizen_notices(case)),
        "contact_form": ContactTaskDoneForm(),
    }


@staff_required()
def case_detail(request, number: str):
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    return render(request, "web/desk/case.html", _case_context(request, case))


@staff_required()
@require_POST
def case_action(request, number: str, name: str):
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    action = ACTIONS.get(name)
    if action is None:
        return not_found(request, tr("沒有這個動作。", "No such action."))
    form = build_form(action, case, request.POST)
    status = 400
    if form.is_valid():
        if form.cleaned_data["version"] != case.version:
            messages.error(request, pick("案件已被他人更新，請重新整理後再試 / The case was changed by someone else; reload and retry."))
            return redirect("web:case", number=case.number)
        # Re-assigning to the officer who already has it: nothing changes, nothing is recorded.
        unchanged = name == "assign" and assign_unchanged(case=case, assignee=form.cleaned_data.get("assignee"))
        try:
            action.run(case, form.cleaned_data, request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except CaseError as exc:
            # Permission, state or race: not a field problem – say so at the top.
            messages.error(request, pick(exc.message))
            return redirect("web:case", number=case.number)
        else:
            if unchanged:
                who = case.assignee.first_name or case.assignee.username
                messages.info(
                    request,
                    tr(f"{case.number} 已由 {who} 承辦，未變更。", f"{case.number} is already assigned to {who}; nothing changed."),
                )
            else:
                messages.success(request, tr(f"已完成：{action.zh} {case.number}", f"Done: {action.en} {case.number}"))
            url = reverse("web:case", kwargs={"number": case.number})
            if _case_or_404(request, case.number) is None:
                # Out of the user's hands now (intake after dispatching it): back to their desk.
                url = reverse("web:home")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    case.refresh_from_db()
    return render(request, "web/desk/case.html", _case_context(request, case, bound={name: form}), status=status)


@staff_required()
@require_POST
def case_reveal(request, number: str):
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    try:
        view = identity_reveal(case=case, by=request.user)
    except RevealNotAllowed as exc:
        return forbidden(request, pick(str(exc)))
    if request.htmx:
        # The description of a confidential case was masked too: swap in the original.
        return render(
            request,
            "web/desk/_reveal.html",
            {"case": case, "petitioner": view, "description": case.description, "oob": True},
        )
    return render(request, "web/desk/case.html", _case_context(request, case, petitioner=view, revealed=True))


@staff_required()
@require_POST
def case_note(request, number: str):
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    if not can_add_note(case, request.user):
        return forbidden(request, pick(NOTE_NOT_ALLOWED))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            case_add_note(case=case, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except CaseError as exc:
            return forbidden(request, pick(exc.message))
        else:
            form = NoteForm()
    ctx = {"case": case, "notes": list(case.notes.select_related("author")), "note_form": form, "can_add_note": True}
    if request.htmx:
        return render(request, "web/desk/_notes.html", ctx, status=200)
    if form.errors:
        return render(request, "web/desk/case.html", _case_context(request, case, note_form=form), status=400)
    return redirect("web:case", number=case.number)


@staff_required()
def case_attachment(request, number: str, pk: int):
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    att = Attachment.objects.filter(case=case, pk=pk).first()
    if att is None:
        return not_found(request, tr("找不到附件。", "Attachment not found."))
    # Always a download, never rendered inline: a citizen's upload must not run in our origin.
    resp = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@staff_required()
def reply_template(request, number: str):
    """htmx: the reply textarea filled from the chosen template."""
    case = _case_or_404(request, number)
    if case is None:
        return not_found(request)
    action = ACTIONS["submit_reply"]
    form = build_form(action, case)
    tpl_id = request.GET.get("submit_reply-template") or ""
    text = ""
    if tpl_id.isdigit():
        tpl = ReplyTemplate.objects.filter(pk=int(tpl_id), active=True).first()
        if tpl is not None:
            text = tpl.render(case)
    elif tpl_id:
        # A published FAQ entry ("faq-<id>") of the case's category (casesys/faq).
        from casesys.faq.selectors import reply_template_text

        text = reply_template_text(case, tpl_id)
    form.initial["reply"] = text
    return render(request, "web/desk/_reply_field.html", {"field": form["reply"]})


@staff_required()
def approvals(request):
    if not roles_of(request.user) & {Role.SUPERVISOR, Role.ADMIN}:
        return forbidden(request)
    from casesys.cohandling.selectors import part_approvals_for, returned_parts_for

    ctx = selectors.approvals_inbox(user=request.user)
    # Co-handling: part replies to approve, parts returned as "not ours" to decide.
    ctx["part_replies"] = part_approvals_for(user=request.user)
    ctx["returned_parts"] = returned_parts_for(user=request.user)
    return render(request, "web/desk/approvals.html", ctx)


# --- notifications --------------------------------------------------------------------------------


NOTIFICATIONS_PER_PAGE = 25


@staff_required()
def notifications(request):
    from django.core.paginator import Paginator

    from casesys.notifications.render import render_for_reader
    from casesys.web.i18n import is_english

    paginator = Paginator(selectors.notifications_for(user=request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    lang = "en" if is_english() else "zh"
    for n in page.object_list:
        # The reader's language only (rendered again from the template where it can be).
        n.shown_subject, n.shown_body = render_for_reader(n, lang)
    # The count the header badge shows: the same selector, so the two always agree.
    unread = selectors.notifications_unread_count(user=request.user)
    return render(
        request,
        "web/desk/notifications.html",
        {"items": page.object_list, "page": page, "paginator": paginator, "unread_count": unread, "base_query": ""},
    )


@staff_required()
def notifications_count(request):
    return render(request, "web/partials/_unread.html", {"unread_count": selectors.notifications_unread_count(user=request.user)})


@staff_required()
@require_POST
def notifications_read(request):
    from casesys.notifications.services import notification_mark_read, notifications_mark_all_read

    raw = request.POST.get("id")
    if raw and raw.isdigit():
        notification_mark_read(user=request.user, notification_id=int(raw))
    else:
        notifications_mark_all_read(user=request.user)
    if request.htmx:
        resp = HttpResponse(status=204)
        resp["HX-Refresh"] = "true"
        return resp
    return redirect("web:notifications")
