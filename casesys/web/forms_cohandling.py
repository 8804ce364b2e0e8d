"""Forms of the co-handling panel on the case page (casesys.cohandling)."""

from __future__ import annotations

from django import forms

from casesys.cohandling.models import CasePart
from casesys.org.models import Department


class PartActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PartAcceptForm(PartActionForm):
    pass


class PartAssignForm(PartActionForm):
    officer = forms.ModelChoiceField(label="協辦人 / Officer", queryset=None)
    note = forms.CharField(label="備註 / Note", required=False, max_length=500)

    def __init__(self, *args, part: CasePart | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        qs = get_user_model().objects.filter(is_active=True, staff__isnull=False)
        if part is not None:
            qs = qs.filter(staff__department__path__startswith=part.department.path)
        self.fields["officer"].queryset = qs.order_by("username")
        self.fields["officer"].label_from_instance = lambda u: f"{u.first_name or u.username}（{u.username}）"


class PartReplyForm(PartActionForm):
    reply = forms.CharField(label="協辦答復 / Part reply", widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)


class PartApproveForm(PartActionForm):
    note = forms.CharField(label="核定意見 / Note", required=False, max_length=1000)


class PartReturnReplyForm(PartActionForm):
    comment = forms.CharField(label="退回意見 / What needs revising", widget=forms.Textarea(attrs={"rows": 3}))


class PartReturnToLeadForm(PartActionForm):
    reason = forms.CharField(
        label="非屬本單位業管之理由 / Why this is not ours", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class PartDecideReturnForm(PartActionForm):
    decision = forms.ChoiceField(
        label="決定 / Decision",
        choices=[("release", "同意免協辦 / Release the department"), ("reimpose", "仍請協辦 / Re-impose the part")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="理由 / Reason", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PartWithdrawForm(PartActionForm):
    note = forms.CharField(label="撤銷理由 / Reason", required=False, max_length=1000)


class AddCoHandlersForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="協辦單位 / Co-handling departments",
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    request_note = forms.CharField(
        label="請協辦事項 / What is asked", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Department.objects.filter(active=True).order_by("path")
        if case is not None:
            qs = qs.exclude(pk=case.department_id).exclude(pk__in=case.parts.values("department_id"))
        self.fields["departments"].queryset = qs
