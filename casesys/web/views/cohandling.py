"""Co-handling (主辦 / 協辦) on the desk: the parts panel of the case page, its actions,
adding co-handling departments, and the co-handler's list in the queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from casesys.cases.exceptions import CaseError
from casesys.cases.models import Case
from casesys.cases.selectors import case_get_visible
from casesys.cohandling.selectors import case_parts, part_get, parts_for_queue
from casesys.cohandling.services import ADDABLE_STATES, case_add_co_handlers
from casesys.cohandling.workflow import can_add_co_handlers
from casesys.web.actions import PART_ACTIONS, available_part_actions, build_part_form
from casesys.web.forms_cohandling import AddCoHandlersForm
from casesys.web.i18n import pick, tr
from casesys.web.views.common import apply_errors, not_found, staff_required


def parts_context(user, case: Case, *, bound: dict | None = None, add_form=None) -> dict:
    """The parts panel: every part with its status and reply, and what the user may do."""
    bound = bound or {}
    items = []
    for part in case_parts(case):
        part.case = case
        actions = [
            {"action": a, "form": bound.get((part.pk, a.name)) or build_part_form(a, part)}
            for a in available_part_actions(part, user)
        ]
        items.append({"part": part, "actions": actions})
    may_add = case.state in ADDABLE_STATES and case.department_id is not None and can_add_co_handlers(case, user)
    return {
        "parts": items,
        "open_part_action": next(iter(bound), None),
        "can_add_co_handlers": may_add,
        "add_co_handlers_form": add_form or (AddCoHandlersForm(case=case) if may_add else None),
    }


def queue_parts(user, scope: str) -> list:
    """The co-handler's list above the queue: what its department is asked to do."""
    return list(parts_for_queue(user=user, scope=scope)[:50])


def _rerender(request, case: Case, **kwargs):
    from casesys.web.views.desk import _case_context

    case.refresh_from_db()
    ctx = _case_context(request, case)
    ctx.update(parts_context(request.user, case, **kwargs))
    return render(request, "web/desk/case.html", ctx, status=400)


def _done(request, case: Case, zh: str, en: str):
    messages.success(request, tr(f"已完成：{zh}", f"Done: {en}"))
    url = reverse("web:case", kwargs={"number": case.number}) + "#parts"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@staff_required()
@require_POST
def part_action(request, number: str, pk: int, name: str):
    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    part = part_get(user=request.user, case=case, part_id=pk)
    action = PART_ACTIONS.get(name)
    if part is None or action is None:
        return not_found(request, tr("找不到此協辦或動作。", "No such part or action."))
    form = build_part_form(action, part, request.POST)
    if form.is_valid():
        if form.cleaned_data["version"] != part.version:
            messages.error(request, pick("協辦已被他人更新，請重新整理後再試 / The part was changed by someone else; reload and retry."))
            return redirect("web:case", number=case.number)
        try:
            action.run(part, form.cleaned_data, request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except CaseError as exc:
            messages.error(request, pick(exc.message))
            return redirect("web:case", number=case.number)
        else:
            return _done(request, case, action.zh, action.en)
    return _rerender(request, case, bound={(part.pk, name): form})


@staff_required()
@require_POST
def add_co_handlers(request, number: str):
    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    form = AddCoHandlersForm(request.POST, case=case)
    if form.is_valid():
        try:
            case_add_co_handlers(
                case=case,
                departments=list(form.cleaned_data["departments"]),
                request_note=form.cleaned_data["request_note"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except CaseError as exc:
            messages.error(request, pick(exc.message))
            return redirect("web:case", number=case.number)
        else:
            return _done(request, case, "加入協辦單位", "Co-handling departments added")
    return _rerender(request, case, add_form=form)
