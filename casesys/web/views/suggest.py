"""Category suggestions on the desk and in the mailbox (casesys.suggest), fetched by htmx
while the form is being filled in, so a form never waits on them.

- intake registration: the three likeliest categories for the subject and description, each
  with its department, how sure, and similar past cases the user may see; a click fills
  the category field;
- the case page's dispatch form (chat-opened cases arrive in a catch-all category) and the
  leads triage: the same for the case's or lead's own text; a click fills the department
  (dispatch) or category (lead) field;
- the mailbox: only the category, never other cases, and only when the model is confident
  (CASESYS_SUGGEST_CONFIDENT_PERCENT); it is pre-selected if the citizen chose none yet.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from casesys.cases.selectors import case_get_visible
from casesys.inbound.models import Lead
from casesys.org.models import Role
from casesys.suggest.selectors import suggest_for
from casesys.web.views.common import not_found, staff_required
from casesys.web.views.intake import INTAKE_ROLES

SUBJECT_MAX = 200
DESCRIPTION_MAX = 5000
BOX = "web/desk/_category_suggestions.html"


def _text(request) -> tuple[str, str]:
    return (request.POST.get("subject") or "")[:SUBJECT_MAX], (request.POST.get("description") or "")[:DESCRIPTION_MAX]


@staff_required(*INTAKE_ROLES)
@require_POST
def intake_category_suggestions(request):
    """htmx, while intake types the subject and description (debounced)."""
    subject, description = _text(request)
    suggestions = suggest_for(subject=subject, description=description, user=request.user)
    return render(request, BOX, {"suggestions": suggestions, "fill": "id_category", "fill_with": "category"})


@staff_required(Role.INTAKE, Role.SUPERVISOR, Role.ADMIN)
@require_GET
def case_category_suggestions(request, number: str):
    """htmx, loaded with the case page: suggestions for the case's own text beside the
    dispatch form (a click picks the suggested category's department)."""
    case = case_get_visible(user=request.user, number=number[:32])
    if case is None:
        return not_found(request)
    suggestions = [
        s for s in suggest_for(subject=case.subject, description=case.description, user=request.user)
        if s.category.department_id
    ]
    return render(request, BOX, {"suggestions": suggestions, "fill": "id_dispatch-department", "fill_with": "department",
                                 "current": case.category_id})


@staff_required(Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
@require_GET
def lead_category_suggestions(request, pk: int):
    """htmx, as a new lead scrolls into view on the triage page: the model's suggestions
    beside the keyword rule's category (which stays pre-selected)."""
    lead = Lead.objects.filter(pk=pk, status=Lead.Status.NEW).first()
    if lead is None:
        return not_found(request)
    suggestions = suggest_for(subject=lead.title, description=lead.text, user=request.user)
    return render(request, BOX, {"suggestions": suggestions, "fill": f"cat-{lead.pk}", "fill_with": "category",
                                 "current": lead.suggested_category_id})


@require_POST
def mailbox_category_suggestion(request):
    """htmx from the mailbox: the top category only when the model is confident, pre-selected
    if the citizen has not chosen one. No case, no number, no other citizen's words."""
    subject, description = _text(request)
    # What the citizen has selected, and what this box pre-selected last time: a category the
    # citizen chose themselves is never replaced.
    chosen = (request.POST.get("category") or "").strip()[:20]
    auto = (request.POST.get("category_auto") or "").strip()[:20]
    suggestion = None
    if not chosen or chosen == auto:
        top = suggest_for(subject=subject, description=description, public_only=True, k=1)
        suggestion = top[0] if top and top[0].confident else None
    return render(request, "web/portal/_category_suggestion.html", {"suggestion": suggestion, "auto": chosen})
