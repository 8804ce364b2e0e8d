"""常見問題集 / FAQ pages: the public list and entries, the mailbox's suggestions, the staff
desk (entries, the review step, proposals) and the deflection report."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casesys.cases.exceptions import CaseError
from casesys.cases.models import Category
from casesys.faq import selectors, services
from casesys.faq.forms import DeflectionPeriodForm, FaqEntryForm, FaqSearchForm
from casesys.faq.models import ARCHIVED, DRAFT, PUBLISHED, FaqEntry, FaqProposal
from casesys.faq.permissions import may_edit, may_publish, may_use_desk
from casesys.faq.visits import record_view
from casesys.web.i18n import is_english, pick, tr
from casesys.web.views.common import apply_errors, forbidden, not_found, staff_required
from casesys.web.views.reports import REPORT_ROLES

# --- public ---------------------------------------------------------------------------------


def faq_list(request):
    form = FaqSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    data = selectors.public_faq(q=q, english=is_english())
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "faq/list.html", {"form": form, "q": q, **data}, status=status)


def faq_entry(request, pk: int):
    entry = selectors.public_entry(pk, english=is_english())
    if entry is None:
        return not_found(request, tr("找不到此常見問題。", "No such question."))
    from_mailbox = request.GET.get("from") == "mailbox"
    if from_mailbox:
        record_view(request, entry)
    question, answer = selectors.entry_text(entry, english=is_english())
    return render(
        request,
        "faq/entry.html",
        {"entry": entry, "question": question, "answer": answer, "from_mailbox": from_mailbox},
    )


@require_POST
def faq_suggest(request):
    """htmx, while a citizen types the subject of a letter: matching published entries."""
    subject = (request.POST.get("subject") or "")[:200]
    english = is_english()
    found = selectors.mailbox_matches(subject, english=english)
    items = [{"entry": e, "question": selectors.entry_text(e, english=english)[0]} for e in found]
    return render(request, "faq/_suggestions.html", {"suggestions": items, "looked_up": len(subject.strip()) >= 2})


# --- staff desk -----------------------------------------------------------------------------

STATUS_TABS = (DRAFT, PUBLISHED, ARCHIVED)


def _desk_guard(request):
    if not may_use_desk(request.user):
        return forbidden(request, tr("您沒有編輯常見問題的權限。", "You may not edit the FAQ."))
    return None


@staff_required()
def desk_list(request):
    if (refused := _desk_guard(request)) is not None:
        return refused
    status = request.GET.get("status") or DRAFT
    if status not in STATUS_TABS:
        status = DRAFT
    entries = selectors.desk_entries(status)
    counts = selectors.entry_counts_by_status()
    return render(
        request,
        "faq/desk_list.html",
        {
            "entries": entries,
            "status": status,
            "tabs": [(s, FaqEntry.Status(s).label, counts.get(s, 0)) for s in STATUS_TABS],
            "open_proposals": selectors.open_proposals().count(),
            "may_edit": may_edit(request.user),
        },
    )


def _category(pk) -> Category | None:
    return Category.objects.filter(pk=pk, active=True).first() if pk else None


def _save(form, write) -> tuple[FaqEntry | None, int]:
    """Call `write` (create or update) with the form's fields; (the entry, 200) or, with the
    errors on the form, (None, the status to answer with)."""
    if not form.is_valid():
        return None, 400
    d = form.cleaned_data
    try:
        entry = write(
            category=_category(d["category"]), question=d["question"], answer=d["answer"],
            question_en=d["question_en"], answer_en=d["answer_en"],
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return None, 400
    except CaseError as exc:
        form.add_error(None, pick(exc.message))
        return None, exc.status_code
    return entry, 200


@staff_required()
def desk_new(request):
    if not may_edit(request.user):
        return forbidden(request, tr("您沒有編寫常見問題的權限。", "You may not write FAQ entries."))
    form = FaqEntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        entry, status = _save(form, lambda **fields: services.faq_entry_create(**fields, by=request.user))
        if entry is not None:
            messages.success(request, tr("已儲存草稿，待審核發布。", "Draft saved; it awaits review."))
            return redirect("faq:desk_edit", pk=entry.pk)
    return render(request, "faq/desk_edit.html", {"form": form, "entry": None}, status=status)


TRANSITION_LABELS = {
    "publish": ("審核發布", "Review and publish"),
    "review": ("確認內容仍正確", "Confirm it is still correct"),
    "unpublish": ("下架（改為草稿）", "Unpublish (back to draft)"),
    "archive": ("封存", "Archive"),
    "restore": ("恢復為草稿", "Restore as draft"),
}


def _edit_context(request, entry: FaqEntry, form) -> dict:
    return {
        "form": form,
        "entry": entry,
        "transitions": [(n, tr(*TRANSITION_LABELS[n])) for n in services.available_transitions(entry, request.user)],
        "events": list(entry.events.select_related("by")[:50]),
        "may_edit": may_edit(request.user) and entry.status != ARCHIVED,
        "own_edit": services.four_eyes() and entry.edited_by_id == request.user.pk and may_publish(request.user),
        "proposal": entry.proposals.first(),
    }


@staff_required()
def desk_edit(request, pk: int):
    if (refused := _desk_guard(request)) is not None:
        return refused
    entry = selectors.desk_entry(pk)
    if entry is None:
        return not_found(request, tr("找不到此常見問題。", "No such entry."))
    initial = {f: getattr(entry, f) for f in ("question", "answer", "question_en", "answer_en")}
    initial.update(category=entry.category_id, version=entry.version)
    form = FaqEntryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_edit(request.user):
            return forbidden(request, tr("您沒有編寫常見問題的權限。", "You may not write FAQ entries."))
        saved, status = _save(
            form,
            lambda **fields: services.faq_entry_update(
                entry=entry, **fields, by=request.user, version=form.cleaned_data.get("version")
            ),
        )
        if saved is not None:
            messages.success(request, tr("已儲存，待審核發布。", "Saved; it awaits review."))
            return redirect("faq:desk_edit", pk=entry.pk)
    return render(request, "faq/desk_edit.html", _edit_context(request, entry, form), status=status)


TRANSITION_DONE = {
    "publish": ("已審核發布。", "Reviewed and published."),
    "review": ("已確認內容仍正確，更新檢視日期。", "Confirmed as still correct; the review date is updated."),
    "unpublish": ("已下架，改為草稿。", "Unpublished; it is a draft again."),
    "archive": ("已封存。", "Archived."),
    "restore": ("已恢復為草稿。", "Restored as a draft."),
}


@staff_required()
@require_POST
def desk_transition(request, pk: int, name: str):
    if (refused := _desk_guard(request)) is not None:
        return refused
    entry = FaqEntry.objects.filter(pk=pk).first()
    if entry is None or name not in services.TRANSITIONS:
        return not_found(request, tr("找不到此常見問題。", "No such entry."))
    version = request.POST.get("version")
    try:
        services.faq_entry_transition(
            entry=entry, name=name, by=request.user, version=int(version) if (version or "").isdigit() else None
        )
    except CaseError as exc:
        messages.error(request, pick(exc.message))
        entry.refresh_from_db()
        form = FaqEntryForm(initial={"category": entry.category_id, "version": entry.version,
                                     **{f: getattr(entry, f) for f in ("question", "answer", "question_en", "answer_en")}})
        return render(request, "faq/desk_edit.html", _edit_context(request, entry, form), status=exc.status_code)
    messages.success(request, tr(*TRANSITION_DONE[name]))
    return redirect("faq:desk_edit", pk=entry.pk)


@staff_required()
def desk_proposals(request):
    if (refused := _desk_guard(request)) is not None:
        return refused
    proposals = selectors.open_proposals()
    return render(request, "faq/desk_proposals.html", {"proposals": proposals, "may_edit": may_edit(request.user)})


@staff_required()
@require_POST
def proposal_decide(request, pk: int, decision: str):
    if not may_edit(request.user):
        return forbidden(request, tr("您沒有編寫常見問題的權限。", "You may not write FAQ entries."))
    proposal = FaqProposal.objects.filter(pk=pk).first()
    if proposal is None or decision not in ("accept", "discard"):
        return not_found(request, tr("找不到此建議。", "No such proposal."))
    try:
        if decision == "accept":
            entry = services.faq_proposal_accept(proposal=proposal, by=request.user)
        else:
            services.faq_proposal_discard(proposal=proposal, by=request.user)
    except CaseError as exc:
        messages.error(request, pick(exc.message))
        return redirect("faq:desk_proposals")
    if decision == "accept":
        messages.success(request, tr("已轉為草稿，請修訂後送審。", "Turned into a draft: edit it, then have it reviewed."))
        return redirect("faq:desk_edit", pk=entry.pk)
    messages.success(request, tr("已捨棄此建議，不會再次提出。", "Proposal discarded; it will not be proposed again."))
    return redirect("faq:desk_proposals")


# --- report ---------------------------------------------------------------------------------


@staff_required(*REPORT_ROLES)
def deflection_report(request):
    today = timezone.localdate()
    initial = {"start": today - dt.timedelta(days=30), "end": today}
    form = DeflectionPeriodForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound:
        if not form.is_valid():
            return render(request, "faq/report.html", {"form": form, "report": None}, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = initial["start"], initial["end"]
    report = selectors.deflection_report(start=start, end=end)
    english = is_english()
    for row in report["rows"]:
        row["question"] = selectors.entry_text(row["entry"], english=english)[0] or f"#{row['entry'].pk} (Chinese only)"
    return render(request, "faq/report.html", {"form": form, "report": report, "start": start, "end": end})
