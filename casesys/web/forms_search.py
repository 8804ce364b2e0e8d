"""The staff search form (/desk/search/). Labels are "中文 / English" pairs."""

from __future__ import annotations

from django import forms

from casesys.cases.models import State, channel_choices
from casesys.cases.staff_search import Criteria
from casesys.org.models import Department
from casesys.web.forms import EMAIL_MAX_LENGTH, category_choices

# Personal-data parameters: their values are redacted from request lines in the logs
# (casesys.logconf.SECRET_PARAMETERS), like passwords and tokens.
IDENTITY_PARAMS = ("petitioner_name", "petitioner_phone", "petitioner_email")
SORTS = [("-received", "收件時間（新到舊）/ Received (newest first)"), ("received", "收件時間（舊到新）/ Received (oldest first)")]


def _date_picker() -> forms.DateInput:
    # <input type="date"> takes only ISO dates: a localised value would show as empty.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        from casesys.web.i18n import is_english

        return (obj.name_en or obj.name) if is_english() else obj.name


class CaseSearchForm(forms.Form):
    number = forms.CharField(label="案號（全部或開頭）/ Case number (whole or start)", required=False, max_length=32)
    q = forms.CharField(label="關鍵字（案號、主旨、內容）/ Text (number, subject, description)", required=False, max_length=200)
    petitioner_name = forms.CharField(label="陳情人姓名（完整）/ Petitioner's full name", required=False, max_length=100)
    petitioner_phone = forms.CharField(label="陳情人電話 / Petitioner's phone", required=False, max_length=30)
    petitioner_email = forms.CharField(label="陳情人電子郵件 / Petitioner's e-mail", required=False, max_length=EMAIL_MAX_LENGTH)
    received_from = forms.DateField(label="收件日（起）/ Received from", required=False, widget=_date_picker())
    received_to = forms.DateField(label="收件日（迄）/ Received to", required=False, widget=_date_picker())
    category = forms.TypedChoiceField(label="類別 / Category", required=False, coerce=int, empty_value=None)
    department = DepartmentChoiceField(label="承辦單位 / Department", required=False, queryset=Department.objects.none())
    channel = forms.ChoiceField(label="管道 / Channel", required=False)
    state = forms.ChoiceField(label="狀態 / State", required=False)
    sort = forms.ChoiceField(label="排序 / Order", required=False, choices=SORTS)

    def __init__(self, *args, identity: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not identity:
            # Roles that may not see identity get no personal-data fields at all (and a term
            # sent anyway is ignored by the form, then refused by the selector if it got through).
            for f in IDENTITY_PARAMS:
                del self.fields[f]
        else:
            self.fields["petitioner_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
            self.fields["petitioner_email"].widget.attrs.update({"autocomplete": "off"})
            self.fields["petitioner_name"].widget.attrs.update({"autocomplete": "off"})
        self.fields["category"].choices = category_choices()
        self.fields["department"].queryset = Department.objects.filter(active=True).order_by("path")
        self.fields["department"].empty_label = "—"
        self.fields["channel"].choices = [("", "—"), *channel_choices()]
        self.fields["state"].choices = [
            ("", "—"),
            ("open", "未結案（全部）/ Open (any)"),
            ("closed", "已結束（結案、移文、存查、併案）/ Finished (closed, transferred, filed, merged)"),
            *((s.value, s.label) for s in State),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", "迄日不可早於起日 / The end date is before the start date.")
        phone = (data.get("petitioner_phone") or "").strip()
        if phone:
            from casesys.cases.contacts import phone_key

            if not phone_key(phone):
                self.add_error("petitioner_phone", "請輸入完整電話號碼（至少 7 碼）/ Enter a whole phone number (at least 7 digits).")
        email = (data.get("petitioner_email") or "").strip()
        if email and "@" not in email:
            self.add_error("petitioner_email", "請輸入完整電子郵件地址 / Enter a whole e-mail address.")
        return data

    def criteria(self) -> Criteria:
        d = self.cleaned_data
        return Criteria(
            number=d.get("number") or "",
            q=d.get("q") or "",
            name=d.get("petitioner_name") or "",
            phone=d.get("petitioner_phone") or "",
            email=d.get("petitioner_email") or "",
            received_from=d.get("received_from"),
            received_to=d.get("received_to"),
            category=d.get("category"),
            department=d.get("department"),
            channel=d.get("channel") or "",
            state=d.get("state") or "",
            ascending=d.get("sort") == "received",
        )
