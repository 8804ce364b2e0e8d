"""Staff search (/desk/search/) and the intake form's caller lookup.

Both run `casesys.cases.staff_search`: scoped to the cases the user may see, personal-data
terms only for roles that may see identity, and every personal-data search recorded
(`IdentitySearch`, the term masked).
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_POST

from casesys.cases.identity import petitioner_row
from casesys.cases.staff_search import (
    NOT_ALLOWED,
    IdentitySearchNotAllowed,
    caller_cases,
    may_search_identity,
    search_page,
)
from casesys.web.forms_search import IDENTITY_PARAMS, CaseSearchForm
from casesys.web.i18n import pick
from casesys.web.views.common import staff_required
from casesys.web.views.intake import INTAKE_ROLES

# Query parameters the page understands; anything else (e.g. a personal-data term from a
# role without the fields) makes no difference and is never echoed back.
PARAMS = ("number", "q", *IDENTITY_PARAMS, "received_from", "received_to", "category", "department",
          "channel", "state", "sort")


@staff_required()
def case_search_view(request):
    """GET: a search form; with any criterion, one page of results by receipt time."""
    identity = may_search_identity(request.user)
    data = request.GET if any(request.GET.get(p) for p in PARAMS) else None
    form = CaseSearchForm(data, identity=identity)
    page, status = None, 200
    if not identity and any(request.GET.get(p) for p in IDENTITY_PARAMS):
        form.is_valid()
        form.add_error(None, pick(NOT_ALLOWED))
        status = 403
    elif form.is_bound:
        if form.is_valid():
            criteria = form.criteria()
            try:
                page = search_page(
                    user=request.user, criteria=criteria,
                    after=request.GET.get("after"), before=request.GET.get("before"),
                )
            except IdentitySearchNotAllowed as exc:
                form.add_error(None, pick(str(exc)))
                status = 403
        else:
            status = 400
    rows = []
    if page is not None:
        rows = [{"case": c, "petitioner": petitioner_row(request.user, c) if identity else None} for c in page.rows]
    params = request.GET.copy()
    for p in ("after", "before"):
        params.pop(p, None)
    # The pager's links carry the criteria; personal-data parameters are redacted from
    # request lines in the logs (casesys.logconf.SECRET_PARAMETERS).
    ctx = {
        "form": form,
        "page": page,
        "rows": rows,
        "identity": identity,
        "base_query": params.urlencode(),
    }
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "web/desk/_search_results.html", ctx, status=status)
    return render(request, "web/desk/search.html", ctx, status=status)


@staff_required(*INTAKE_ROLES)
@require_POST
def intake_caller_cases(request):
    """htmx, while intake types the caller's phone: their earlier cases (number, subject,
    state, receipt), so a repeat is spotted before a new case is opened. A POST so the
    number stays out of URLs and access logs. Audited as a personal-data search, once per
    complete number looked up (see `caller_cases`)."""
    phone = (request.POST.get("phone") or "")[:30]
    found = caller_cases(user=request.user, phone=phone)
    ctx = {"mode": "caller", "caller_cases": found[0] if found else [], "caller_more": found[1] if found else False, "looked_up": found is not None}
    return render(request, "web/desk/_repeat_candidates.html", ctx)
