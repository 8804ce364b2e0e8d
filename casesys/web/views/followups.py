"""Follow-ups (回訪) on the desk: the supervisors' inbox and the two ways to close one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casesys.cases.exceptions import CaseError
from casesys.cases.followups import (
    can_handle_follow_up,
    follow_up_record_callback,
    follow_up_send_second_reply,
)
from casesys.cases.models import FollowUp
from casesys.cases.selectors import case_follow_ups, case_get_visible, follow_ups_for_inbox
from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.web.i18n import pick, tr
from casesys.web.views.common import apply_errors, forbidden, not_found, staff_required


class CallbackForm(forms.Form):
    note = forms.CharField(
        label="回電紀錄 / What was said on the call", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class SecondReplyForm(forms.Form):
    reply = forms.CharField(
        label="再次答復內容（將送給陳情人） / Second reply (sent to the petitioner)",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


FORMS = {"callback": CallbackForm, "second-reply": SecondReplyForm}


def follow_up_panel(user, case, *, bound: dict | None = None) -> list[dict]:
    """The case page's follow-up section: each follow-up, and forms where the user may close it."""
    now = timezone.now()
    items = []
    for fu in case_follow_ups(case):
        item = {"follow_up": fu, "overdue": fu.status == FollowUp.Status.OPEN and fu.due_at < now}
        if fu.status == FollowUp.Status.OPEN and can_handle_follow_up(fu, user):
            mine = (bound or {}).get(fu.pk, {})
            item["callback_form"] = mine.get("callback") or CallbackForm(prefix=f"fu{fu.pk}-callback")
            item["reply_form"] = mine.get("second-reply") or SecondReplyForm(prefix=f"fu{fu.pk}-second-reply")
        items.append(item)
    return items


@staff_required()
def inbox(request):
    if not roles_of(request.user) & {Role.SUPERVISOR, Role.ADMIN}:
        return forbidden(request)
    now = timezone.now()
    rows = [{"follow_up": fu, "overdue": fu.due_at < now} for fu in follow_ups_for_inbox(user=request.user)[:500]]
    done = list(follow_ups_for_inbox(user=request.user, status=FollowUp.Status.DONE).order_by("-closed_at")[:20])
    return render(request, "web/desk/followups.html", {"rows": rows, "done": done})


@staff_required()
@require_POST
def close(request, number: str, pk: int, how: str):
    from casesys.web.views.desk import _case_context

    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    follow_up = FollowUp.objects.select_related("case", "department").filter(pk=pk, case=case).first()
    form_class = FORMS.get(how)
    if follow_up is None or form_class is None:
        return not_found(request, tr("找不到回訪。", "Follow-up not found."))
    if not can_handle_follow_up(follow_up, request.user):
        return forbidden(request, tr("只有該單位主管可以辦理回訪。", "Only the department's supervisors may close a follow-up."))
    form = form_class(request.POST, prefix=f"fu{pk}-{how}")
    if form.is_valid():
        try:
            if how == "callback":
                follow_up_record_callback(follow_up=follow_up, note=form.cleaned_data["note"], by=request.user)
            else:
                follow_up_send_second_reply(follow_up=follow_up, reply=form.cleaned_data["reply"], by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except CaseError as exc:
            messages.error(request, pick(exc.message))
            return redirect("web:case", number=case.number)
        else:
            messages.success(request, tr("回訪已辦結。", "Follow-up closed."))
            return redirect("web:case", number=case.number)
    ctx = _case_context(request, case)
    ctx["follow_ups"] = follow_up_panel(request.user, case, bound={pk: {how: form}})
    return render(request, "web/desk/case.html", ctx, status=400)
