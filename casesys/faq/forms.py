from __future__ import annotations

from django import forms

from casesys.web.forms import SurveyPeriodForm, category_choices


class FaqSearchForm(forms.Form):
    q = forms.CharField(label="搜尋常見問題 / Search the FAQ", required=False, max_length=100)


class FaqEntryForm(forms.Form):
    category = forms.TypedChoiceField(label="類別 / Category", coerce=int)
    question = forms.CharField(label="問題 / Question", max_length=200)
    answer = forms.CharField(label="答案 / Answer", widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    question_en = forms.CharField(label="英文問題（選填）/ Question in English (optional)", required=False, max_length=300)
    answer_en = forms.CharField(
        label="英文答案（選填）/ Answer in English (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(public_only=True)
        self.fields["question"].widget.attrs["lang"] = "zh-Hant"
        self.fields["answer"].widget.attrs["lang"] = "zh-Hant"
        self.fields["question_en"].widget.attrs["lang"] = "en"
        self.fields["answer_en"].widget.attrs["lang"] = "en"


class DeflectionPeriodForm(SurveyPeriodForm):
    pass
