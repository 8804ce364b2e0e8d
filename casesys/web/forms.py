"""Forms. Labels are "中文 / English" pairs; templates show the active language's half."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from casesys.cases.districts import district_choices
from casesys.cases.models import (
    Case,
    Category,
    Channel,
    Language,
    Petitioner,
    State,
    Urgency,
    channel_choices,
)
from casesys.cases.services import FiledReason
from casesys.common.geo import BOTH_NEEDED, OUTSIDE_TAIWAN, in_taiwan
from casesys.org.models import Department
from casesys.web.i18n import pick, tr

DISTRICT_CHOICES = district_choices()
# The petitioner's e-mail column: a longer address is a form error, not a failed insert.
EMAIL_MAX_LENGTH = Petitioner._meta.get_field("email").max_length


class CoordinateField(forms.DecimalField):
    """A latitude or longitude typed or set by the map: rounded to the column's 6 places
    (about 0.1 m) instead of refused for a longer fraction."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages", {"invalid": "請輸入數字，例如 25.047675 / Enter a number, e.g. 25.047675."}
        )
        super().__init__(label=label, **kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and value.is_finite():
            value = value.quantize(Decimal("0.000001"))
        return value


def clean_coordinates(form: forms.Form, data: dict) -> None:
    """Both coordinates or neither, and inside Taiwan (casesys.common.geo)."""
    lat, lng = data.get("lat"), data.get("lng")
    if "lat" in form.errors or "lng" in form.errors:
        return
    if (lat is None) != (lng is None):
        form.add_error("lng" if lng is None else "lat", BOTH_NEEDED)
    elif lat is not None and not in_taiwan(lat, lng):
        form.add_error("lat", OUTSIDE_TAIWAN)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def category_choices(*, public_only: bool = False) -> list[tuple[str, str]]:
    qs = Category.objects.filter(active=True).select_related("parent")
    if public_only:
        qs = qs.filter(public=True)
    from casesys.web.i18n import is_english

    en = is_english()

    def name(c: Category) -> str:
        return (c.name_en or c.name) if en else c.name

    return [("", "—")] + [
        (str(c.pk), f"{name(c.parent)}{' › ' if en else '／'}{name(c)}" if c.parent_id else name(c)) for c in qs.order_by("code")
    ]


# --- queue ---------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label="搜尋 / Search", required=False, max_length=100)
    state = forms.ChoiceField(label="狀態 / State", required=False)
    category = forms.TypedChoiceField(label="類別 / Category", required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label="管道 / Channel", required=False, choices=lambda: [("", "—"), *channel_choices()])
    district = forms.ChoiceField(label="行政區 / District", required=False, choices=DISTRICT_CHOICES)
    overdue = forms.BooleanField(label="只看逾期 / Overdue only", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "—")] + [
            (s.value, s.label) for s in (State.RECEIVED, State.DISPATCHED, State.IN_PROGRESS, State.PENDING_APPROVAL)
        ]
        self.fields["category"].choices = category_choices()


# --- workflow actions ----------------------------------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(ActionForm):
    pass


class DispatchForm(ActionForm):
    department = forms.ModelChoiceField(
        label="承辦單位 / Department", queryset=Department.objects.filter(active=True).order_by("path")
    )
    note = forms.CharField(label="備註 / Note", required=False, max_length=500)
    # 協辦: co-handling departments asked in the same step (casesys.cohandling).
    co_departments = forms.ModelMultipleChoiceField(
        label="協辦單位（可複選）/ Co-handling departments (optional)",
        required=False,
        queryset=Department.objects.filter(active=True).order_by("path"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(label="承辦人 / Officer", queryset=None)
    note = forms.CharField(label="備註 / Note", required=False, max_length=500)

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        from casesys.cases.selectors import case_assignable_officers

        # Only those who can take the case (the rule the assign service enforces).
        qs = case_assignable_officers(case) if case is not None else get_user_model().objects.none()
        self.fields["assignee"].queryset = qs
        # Labelled when the list renders, in the reader's language (full-width brackets in Chinese).
        self.fields["assignee"].label_from_instance = lambda u: tr(
            f"{u.first_name or u.username}（{u.username}）", f"{u.first_name or u.username} ({u.username})"
        )


class ReplyForm(ActionForm):
    template = forms.ChoiceField(label="答復範本 / Reply template", required=False)
    reply = forms.CharField(label="答復內容 / Reply", widget=forms.Textarea(attrs={"rows": 8}), max_length=10000)

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        if case is not None:
            from casesys.web.models import ReplyTemplate

            cats = [case.category_id] + ([case.category.parent_id] if case.category.parent_id else [])
            choices += [(str(t.pk), t.title) for t in ReplyTemplate.objects.filter(category_id__in=cats, active=True)]
            # Published FAQ entries of the case's category serve as templates too (casesys/faq).
            from casesys.faq.selectors import reply_template_choices

            choices += reply_template_choices(case)
        self.fields["template"].choices = choices


class ApproveForm(ActionForm):
    note = forms.CharField(label="核定意見 / Note", required=False, max_length=1000)


class ReturnReplyForm(ActionForm):
    comment = forms.CharField(label="退回意見 / What needs revising", widget=forms.Textarea(attrs={"rows": 3}))


class RequestExtensionForm(ActionForm):
    days = forms.IntegerField(label="展延工作天 / Working days", min_value=1, max_value=30)
    reason = forms.CharField(label="展延理由 / Reason", widget=forms.Textarea(attrs={"rows": 3}))
    status_text = forms.CharField(
        label="目前處理情形（將告知陳情人）/ Current handling status (the petitioner is told)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class DecideExtensionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label="決定 / Decision",
        choices=[("yes", "核准 / Approve"), ("no", "駁回 / Reject")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="意見 / Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnToIntakeForm(ActionForm):
    reason = forms.CharField(label="退回理由 / Reason", widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(ActionForm):
    agency = forms.CharField(label="受移文機關 / Competent agency", max_length=200)
    reason = forms.CharField(label="移文理由 / Reason", widget=forms.Textarea(attrs={"rows": 2}))
    site_visit = forms.BooleanField(
        label="已辦理現場會勘（移文期限為 2 個工作天） / A site visit was made (transfer due in 2 working days)",
        required=False,
    )


class FileForm(ActionForm):
    reason_code = forms.ChoiceField(label="存查理由 / Reason", choices=FiledReason.CHOICES)
    repeat_of = forms.CharField(label="原案號（重複陳情）/ Earlier case (repeat)", required=False, max_length=32)
    note = forms.CharField(label="備註 / Note", required=False, max_length=1000)


class MergeForm(ActionForm):
    into = forms.CharField(label="併入案號 / Merge into case", max_length=32)
    note = forms.CharField(label="備註 / Note", required=False, max_length=1000)


class ReopenForm(ActionForm):
    reason = forms.CharField(label="重新處理理由 / Reason", widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    text = forms.CharField(label="內部註記 / Internal note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


# --- intake ------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """Phone, letter and walk-in registration: ordered for typing without the mouse."""

    channel = forms.ChoiceField(
        label="管道 / Channel",
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.LETTER, Channel.LETTER.label), (Channel.WALK_IN, Channel.WALK_IN.label)],
    )
    category = forms.TypedChoiceField(label="類別 / Category", coerce=int)
    urgency = forms.ModelChoiceField(label="速別 / Urgency", queryset=Urgency.objects.all(), required=False)
    subject = forms.CharField(label="主旨 / Subject", max_length=200)
    description = forms.CharField(label="內容 / Description", widget=forms.Textarea(attrs={"rows": 5}))
    name = forms.CharField(label="陳情人姓名 / Petitioner's name", required=False, max_length=100)
    phone = forms.CharField(label="電話 / Phone", required=False, max_length=30)
    email = forms.EmailField(label="電子郵件 / E-mail", required=False, max_length=EMAIL_MAX_LENGTH)
    postal_address = forms.CharField(label="通訊地址 / Postal address", required=False, max_length=200)
    address = forms.CharField(label="案發地址 / Location address", required=False, max_length=200)
    district = forms.ChoiceField(label="行政區 / District", required=False, choices=DISTRICT_CHOICES)
    # Coordinates of the place (from a map or the caller's GPS): the incident suggestion
    # compares distances with them.
    lat = CoordinateField(label="緯度 / Latitude")
    lng = CoordinateField(label="經度 / Longitude")
    received_at = forms.DateTimeField(
        label="收件時間（空白為現在）/ Received at (blank = now)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    confidential = forms.BooleanField(label="要求身分保密 / Keep identity confidential", required=False)
    # The petitioner's language: replies, notices and the printed receipt use it.
    language = forms.ChoiceField(
        label="陳情人使用語言 / Petitioner's language", choices=Language.choices, initial=Language.ZH, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["language"].choices = [(v, pick(label)) for v, label in Language.choices]
        self.fields["subject"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        clean_coordinates(self, data)
        return data


BULK_MAX_CASES = 200


class CaseNumbersField(forms.Field):
    """The ticked case numbers. Not a model choice: a case another clerk dispatched meanwhile
    must be reported on its own, not make the whole batch invalid."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "請勾選案件 / Tick at least one case.",
        "too_many": f"一次最多 {BULK_MAX_CASES} 件 / At most {BULK_MAX_CASES} cases at a time.",
        "invalid": "案號格式不正確 / Not a case number.",
    }

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > BULK_MAX_CASES:
            raise ValidationError(self.error_messages["too_many"], code="too_many")
        if any(len(v) > 32 for v in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class BulkDispatchForm(forms.Form):
    cases = CaseNumbersField(label="案件 / Cases")
    department = forms.ModelChoiceField(
        label="承辦單位 / Department",
        queryset=Department.objects.filter(active=True).order_by("path"),
        required=False,
        help_text="空白則依類別預設單位 / Blank: each case's category default",
    )


# --- citizen portal ---------------------------------------------------------------------------


class MailboxForm(forms.Form):
    category = forms.TypedChoiceField(label="陳情類別 / Category", coerce=int)
    subject = forms.CharField(label="主旨 / Subject", max_length=200)
    description = forms.CharField(label="陳情內容 / Description", widget=forms.Textarea(attrs={"rows": 8}), max_length=10000)
    attachments = MultipleFileField(label="附件 / Attachments", required=False)
    address = forms.CharField(label="案件地點 / Location address", required=False, max_length=200)
    district = forms.ChoiceField(label="行政區 / District", required=False, choices=DISTRICT_CHOICES)
    # The place on the map: set by a click on it, or typed (keyboard and screen-reader users).
    lat = CoordinateField(label="緯度 / Latitude")
    lng = CoordinateField(label="經度 / Longitude")
    name = forms.CharField(label="姓名 / Name", max_length=100)
    phone = forms.CharField(label="電話 / Phone", required=False, max_length=30)
    email = forms.EmailField(label="電子郵件 / E-mail", required=False, max_length=EMAIL_MAX_LENGTH)
    confidential = forms.BooleanField(label="我要求身分保密 / Keep my identity confidential", required=False)
    privacy = forms.BooleanField(
        label="我已閱讀並同意個人資料蒐集告知事項 / I have read and accept the personal-data notice",
        error_messages={"required": "請閱讀並同意個人資料告知事項 / Please accept the personal-data notice."},
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = forms.CharField(required=False, label="Website")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(public_only=True)
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("email")):
            self.add_error("email", "請留下電話或電子郵件以便回覆 / Leave a phone number or an e-mail address for the reply.")
        clean_coordinates(self, data)
        return data


class StatusLookupForm(forms.Form):
    number = forms.CharField(label="案號 / Case number", max_length=32)
    password = forms.CharField(label="查詢密碼 / Case password", max_length=40, widget=forms.PasswordInput)


class SupplementForm(forms.Form):
    """補充陳情: more information or files for an open case."""

    text = forms.CharField(
        label="補充內容 / What you want to add",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    attachments = MultipleFileField(label="附件 / Attachments", required=False)


class PasswordResendForm(forms.Form):
    """忘記密碼: the case number and the phone number or e-mail address given with the case."""

    number = forms.CharField(label="案號 / Case number", max_length=32)
    contact = forms.CharField(
        label="陳情時留下的電話或電子郵件 / The phone number or e-mail address you gave",
        max_length=254,
    )


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label="您對本案處理的滿意程度 / How satisfied are you with how this case was handled?",
        choices=[
            ("5", "5 非常滿意 / Very satisfied"),
            ("4", "4 滿意 / Satisfied"),
            ("3", "3 普通 / Neutral"),
            ("2", "2 不滿意 / Dissatisfied"),
            ("1", "1 非常不滿意 / Very dissatisfied"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label="意見 / Comment", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


# --- reports ----------------------------------------------------------------------------------


def _date_picker() -> forms.DateInput:
    # <input type="date"> takes only ISO dates: a localised value (2026/12/01) shows as empty.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(label="起日 / From", widget=_date_picker())
    end = forms.DateField(label="迄日 / To", widget=_date_picker())
    by_category = forms.BooleanField(label="依單位×類別 / By department × category", required=False)

    def clean(self):
        data = super().clean()
        s, e = data.get("start"), data.get("end")
        if s and e:
            if e < s:
                self.add_error("end", "迄日不可早於起日 / The end date is before the start date.")
            elif (e - s).days > 366 * 2:
                self.add_error("end", "期間最長兩年 / The period may be at most two years.")
        return data

    @staticmethod
    def default_initial() -> dict:
        today = timezone.localdate()
        return {"start": today.replace(day=1) - dt.timedelta(days=0), "end": today}


class SurveyPeriodForm(PeriodForm):
    by_category = None


class LeadConvertForm(forms.Form):
    category = forms.TypedChoiceField(label="類別 / Category", coerce=int)
    subject = forms.CharField(label="主旨 / Subject", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()


class LeadDismissForm(forms.Form):
    reason = forms.CharField(label="不處理理由 / Reason", max_length=500)
