"""Citizen notices on the desk: the officer records a call or letter that delivered one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from casesys.cases.exceptions import CaseError
from casesys.cases.selectors import case_get_visible
from casesys.notifications.citizen import contact_task_done
from casesys.notifications.models import ContactTask
from casesys.notifications.selectors import case_open_contact_tasks
from casesys.web.i18n import pick, tr
from casesys.web.views.common import not_found, staff_required


class ContactTaskDoneForm(forms.Form):
    method = forms.ChoiceField(label="通知方式 / How", choices=ContactTask.Method.choices)
    note = forms.CharField(
        label="紀錄 / Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@staff_required()
@require_POST
def contact_task_done_view(request, number: str, pk: int):
    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    task = case_open_contact_tasks(case).filter(pk=pk).first() or ContactTask.objects.filter(case=case, pk=pk).first()
    if task is None:
        return not_found(request, tr("找不到這項通知。", "No such notice."))
    form = ContactTaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, tr("請選擇通知方式。", "Choose how the petitioner was told."))
        return redirect("web:case", number=case.number)
    try:
        contact_task_done(task=task, method=form.cleaned_data["method"], note=form.cleaned_data["note"], by=request.user)
    except ValidationError as exc:
        messages.error(request, pick(next(m for msgs in exc.message_dict.values() for m in msgs)))
    except CaseError as exc:
        messages.error(request, pick(exc.message))
    else:
        messages.success(request, tr("已記錄通知完成。", "Recorded: the petitioner was told."))
    return redirect("web:case", number=case.number)
