"""Request and response shapes. Thin: validation of input types and lookups by code,
number or username; the rules themselves live in `casesys.cases.services`."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casesys.cases import deadlines
from casesys.cases.identity import description_for, petitioner_for
from casesys.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Category,
    Language,
    State,
    Urgency,
    channel_choices,
)
from casesys.cases.selectors import case_get_visible, case_timeline
from casesys.cases.services import FiledReason
from casesys.org.models import Department
from casesys.workcal.calendar import local_date


class ErrorSerializer(serializers.Serializer):
    """Every error response."""

    detail = serializers.CharField(help_text="可讀的錯誤訊息 / human-readable message")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="欄位 → 訊息 / field → messages (empty unless the input was invalid)",
    )


# --- references by code / number / username ------------------------------------------


def _not_found(what: str, value: Any) -> serializers.ValidationError:
    return serializers.ValidationError(f"找不到{what}「{value}」/ No {what_en(what)} “{value}”.")


def what_en(what: str) -> str:
    return {"單位": "department", "類別": "category", "速別": "urgency", "人員": "user", "案件": "case"}.get(what, what)


class LookupField(serializers.CharField):
    """A string validated as text first (length, NUL bytes), then resolved to an object."""

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value is None or value == "":
            return value
        return self.lookup(value)

    def lookup(self, value: str):
        raise NotImplementedError


class DepartmentCodeField(LookupField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "單位代碼 / department code")
        super().__init__(**kwargs)

    def lookup(self, value: str):
        dept = Department.objects.filter(code=value).first()
        if dept is None:
            raise _not_found("單位", value)
        return dept


class CategoryCodeField(LookupField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "類別代碼（啟用中）/ code of an active category")
        super().__init__(**kwargs)

    def lookup(self, value: str):
        category = Category.objects.filter(code=value, active=True).select_related("department").first()
        if category is None:
            raise _not_found("類別", value)
        return category


class UrgencyCodeField(LookupField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "速別代碼 / urgency code (most_urgent, urgent, normal)")
        super().__init__(**kwargs)

    def lookup(self, value: str):
        urgency = Urgency.objects.filter(code=value).first()
        if urgency is None:
            raise _not_found("速別", value)
        return urgency


class UsernameField(LookupField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("help_text", "帳號 / username")
        super().__init__(**kwargs)

    def lookup(self, value: str):
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise _not_found("人員", value)
        return user


class VisibleCaseNumberField(LookupField):
    """A case number the caller can see; anything else reads as "not found"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "案號 / case number")
        super().__init__(**kwargs)

    def lookup(self, value: str):
        case = case_get_visible(user=self.context["request"].user, number=value)
        if case is None:
            raise _not_found("案件", value)
        return case


# --- catalogue ------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "parent", "department", "sla_unit", "sla_value", "public", "survey_exempt"]


class DepartmentSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Department
        fields = ["code", "name", "name_en", "kind", "parent", "path", "active"]


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_working_day = serializers.BooleanField()
    name = serializers.CharField(help_text="假日名稱或說明 / holiday name or reason", allow_blank=True)


class CalendarSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    days = CalendarDaySerializer(many=True)


class CalendarQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1912, max_value=2200, required=False)


# --- cases: output --------------------------------------------------------------------


class CaseRowSerializer(serializers.ModelSerializer):
    """One row of the case list. Never carries petitioner identity."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    working_days_left = serializers.SerializerMethodField(
        help_text="到期前剩餘工作天（0 = 今日到期，負數 = 逾期天數），已結案為 null / working days left; null when closed"
    )

    class Meta:
        model = Case
        fields = [
            "number",
            "subject",
            "state",
            "category",
            "department",
            "assignee",
            "channel",
            "received_at",
            "due_at",
            "overdue",
            "working_days_left",
        ]

    def _now(self) -> dt.datetime:
        now = self.context.get("now")
        if now is None:
            now = self.context["now"] = timezone.now()
        return now

    def get_overdue(self, case: Case) -> bool:
        return case.is_open and self._now() > case.due_at

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_working_days_left(self, case: Case) -> int | None:
        if not case.is_open:
            return None
        # One calendar (one query) per request, shared by every row.
        return deadlines.working_days_left(case.due_at, self.context["calendar"], now=self._now())


# Columns read for a list row (plain values, no model instances) and the row builder.
CASE_ROW_VALUES = (
    "number", "subject", "state", "category__code", "department__code", "assignee__username",
    "channel", "received_at", "due_at",
)


def _iso(value: dt.datetime | None, tz) -> str | None:
    """What DRF's DateTimeField renders (ISO 8601 in the current time zone, UTC as Z),
    without a field object per value."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def case_rows(values: list[dict], *, calendar, now: dt.datetime) -> list[dict]:
    """Rows identical to `CaseRowSerializer` output, built from `.values(*CASE_ROW_VALUES)`."""
    out = []
    tz = timezone.get_current_timezone()
    # A page of a queue shares a handful of due dates: count each one's working days once.
    days_left: dict[dt.date, int] = {}
    today = local_date(now)
    for v in values:
        is_open = v["state"] in OPEN_STATES
        due_at = v["due_at"]
        left = None
        if is_open:
            due_day = local_date(due_at)
            left = days_left.get(due_day)
            if left is None:
                left = days_left[due_day] = calendar.working_days_between(today, due_day)
        out.append(
            {
                "number": v["number"],
                "subject": v["subject"],
                "state": v["state"],
                "category": v["category__code"],
                "department": v["department__code"],
                "assignee": v["assignee__username"],
                "channel": v["channel"],
                "received_at": _iso(v["received_at"], tz),
                "due_at": _iso(due_at, tz),
                "overdue": is_open and now > due_at,
                "working_days_left": left,
            }
        )
    return out


class ContactOutSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    address = serializers.CharField()
    verified = serializers.BooleanField()
    opted_out = serializers.BooleanField()


class PetitionerOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()
    contacts = ContactOutSerializer(many=True, help_text="通訊軟體、簡訊等位址 / addresses on connector channels")
    masked = serializers.BooleanField(help_text="true: 已遮蔽 / identity is masked")
    confidential = serializers.BooleanField(help_text="陳情人要求身分保密 / the petitioner asked for confidentiality")
    can_reveal = serializers.BooleanField(help_text="可呼叫 reveal（留存紀錄）/ may call reveal (audited)")


class LocationSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)

    def _coordinate(self, value: float | None) -> Decimal | None:
        if value is None:
            return None
        if not math.isfinite(value):
            raise serializers.ValidationError("座標須為有限數值 / Coordinates must be finite numbers.")
        return Decimal(str(round(value, 6)))

    def validate_lat(self, value):
        return self._coordinate(value)

    def validate_lng(self, value):
        return self._coordinate(value)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["kind", "at", "actor", "from_state", "to_state", "note", "changes", "public", "public_text"]


class ExtensionOutSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField()
    status_text = serializers.CharField()
    status = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    new_due_at = serializers.DateTimeField(allow_null=True)


class ClosureOutSerializer(serializers.Serializer):
    """One round of handling that reached a final state; a reopening starts the next."""

    round = serializers.IntegerField()
    state = serializers.CharField()
    closed_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    on_time = serializers.BooleanField(allow_null=True)
    reopened_at = serializers.DateTimeField(allow_null=True)


# --- co-handling parts (主辦 / 協辦; casesys.cohandling) ---------------------------------------


class PartOutSerializer(serializers.Serializer):
    """One co-handling department's part of the case."""

    id = serializers.IntegerField()
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    role = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    request_note = serializers.CharField()
    officer = serializers.CharField(source="officer.username", allow_null=True, default=None)
    requested_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField(source="is_overdue")
    reply = serializers.CharField()
    reply_submitted_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    return_reason = serializers.CharField()
    return_decision = serializers.CharField()
    decision_note = serializers.CharField()
    version = serializers.IntegerField()
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, part) -> list[str]:
        from casesys.api.transitions import available_part_transitions

        return available_part_transitions(part, self.context["request"].user)


class CaseDetailSerializer(CaseRowSerializer):
    description = serializers.SerializerMethodField(
        help_text="保密案件中身分證字號、電話、電子郵件已遮蔽（揭露後可見原文）/ "
        "confidential cases: ID numbers, phones and e-mail addresses masked (the reveal shows the original)"
    )
    urgency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    location = serializers.SerializerMethodField()
    petitioner = serializers.SerializerMethodField()
    merged_into = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    repeat_of = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    timeline = serializers.SerializerMethodField()
    extensions = serializers.SerializerMethodField()
    closures = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    missed_due_at = serializers.SerializerMethodField(
        help_text="本輪逾越的期限（未結案件逾期時即為期限本身）/ the deadline this round missed (an open late case's own deadline)"
    )

    class Meta(CaseRowSerializer.Meta):
        fields = [
            *CaseRowSerializer.Meta.fields,
            "description",
            "language",
            "urgency",
            "location",
            "petitioner",
            "confidential",
            "anonymous",
            "dispatch_due_at",
            "closed_at",
            "on_time",
            "missed_due_at",
            "reopen_count",
            "extension_days",
            "reply",
            "transferred_to",
            "site_visit",
            "transfer_on_time",
            "filed_reason",
            "merged_into",
            "repeat_of",
            "version",
            "timeline",
            "extensions",
            "closures",
            "parts",
            "available_transitions",
        ]

    @extend_schema_field(LocationSerializer)
    def get_location(self, case: Case) -> dict:
        return {
            "address": case.address,
            "district": case.district,
            "lat": float(case.lat) if case.lat is not None else None,
            "lng": float(case.lng) if case.lng is not None else None,
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_description(self, case: Case) -> str:
        return description_for(self.context["request"].user, case)

    @extend_schema_field(PetitionerOutSerializer(allow_null=True))
    def get_petitioner(self, case: Case) -> dict | None:
        view = petitioner_for(self.context["request"].user, case)
        return view.as_dict() if view else None

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, case: Case) -> list[dict]:
        return EventSerializer(case_timeline(case), many=True).data

    @extend_schema_field(ExtensionOutSerializer(many=True))
    def get_extensions(self, case: Case) -> list[dict]:
        return ExtensionOutSerializer(case.extensions.select_related("requested_by"), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_missed_due_at(self, case: Case) -> str | None:
        from casesys.cases.workflow import missed_deadline

        missed = missed_deadline(case, now=timezone.now())
        return serializers.DateTimeField().to_representation(missed) if missed else None

    @extend_schema_field(ClosureOutSerializer(many=True))
    def get_closures(self, case: Case) -> list[dict]:
        return ClosureOutSerializer(case.closures.order_by("round"), many=True).data

    @extend_schema_field(PartOutSerializer(many=True))
    def get_parts(self, case: Case) -> list[dict]:
        from casesys.cohandling.selectors import case_parts

        parts = case_parts(case)
        for part in parts:
            part.case = case
        return PartOutSerializer(parts, many=True, context=self.context).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, case: Case) -> list[str]:
        from casesys.api.transitions import available_transitions

        return available_transitions(case, self.context["request"].user)


# --- cases: intake --------------------------------------------------------------------


class PetitionerInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    # 200, not 254: the address is also copied into the notification outbox (200 chars).
    email = serializers.EmailField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    confidential = serializers.BooleanField(required=False, default=False)


class IntakeSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[])
    category = CategoryCodeField()
    urgency = UrgencyCodeField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.ZH)
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="只限受理人員 / intake staff only"
    )
    petitioner = PetitionerInSerializer(required=False, allow_null=True)
    location = LocationSerializer(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The connectors' channels come from settings.CASESYS_CHANNELS, read per request.
        self.fields["channel"].choices = channel_choices()


class IntakeResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    department = serializers.CharField(allow_null=True)
    due_at = serializers.DateTimeField()
    dispatch_due_at = serializers.DateTimeField(help_text="分文期限 / dispatch deadline")
    password = serializers.CharField(help_text="查詢密碼，只在此回應出現一次 / case password, shown only here")


class RevealSerializer(serializers.Serializer):
    number = serializers.CharField()
    petitioner = PetitionerOutSerializer(allow_null=True)
    description = serializers.CharField(help_text="原文（保密案件亦同）/ the original description, also of confidential cases")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


# --- citizen lookup -------------------------------------------------------------------


class TrackRequestSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=64, trim_whitespace=True)


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField(source="public_text")


class PublicSecondReplySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class PublicCaseSerializer(serializers.Serializer):
    """What the citizen sees: no personal data, no internal notes, no staff names."""

    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    category = serializers.CharField(source="category.name")
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    timeline = serializers.SerializerMethodField()
    reply = serializers.SerializerMethodField(
        help_text="結案或存查後才提供；併案者為承接案件結案後之答復 / only once closed or filed; "
        "for a merged case, the reply of the case that carried it once that one is closed"
    )
    merged_into = serializers.SerializerMethodField(help_text="併案時承接之案號 / for a merged case, the case carrying it")
    merged_into_state = serializers.SerializerMethodField(help_text="承接案件之狀態 / the state of the carrying case")
    second_replies = serializers.SerializerMethodField(help_text="回訪時的再次答復 / second replies after a dissatisfied survey")

    def _texts(self, case: Case):
        # Every free text through the public scrubber (see casesys.cases.public_view).
        from casesys.cases.public_view import public_case_texts

        if not hasattr(self, "_public_texts"):
            self._public_texts: dict[int, object] = {}
        if case.pk not in self._public_texts:
            self._public_texts[case.pk] = public_case_texts(case, carrier=self._carrier(case))
        return self._public_texts[case.pk]

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_timeline(self, case: Case) -> list[dict]:
        rows = [{"at": e.at, "public_text": e.text} for e in self._texts(case).timeline]
        return PublicEventSerializer(rows, many=True).data

    def _carrier(self, case: Case) -> Case | None:
        from casesys.cases.outcomes import case_carrier

        if not hasattr(self, "_carriers"):
            self._carriers: dict[int, Case | None] = {}
        if case.pk not in self._carriers:
            self._carriers[case.pk] = case_carrier(case)
        return self._carriers[case.pk]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reply(self, case: Case) -> str | None:
        return self._texts(case).reply

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, case: Case) -> str | None:
        carrier = self._carrier(case)
        return carrier.number if carrier else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into_state(self, case: Case) -> str | None:
        carrier = self._carrier(case)
        return carrier.state if carrier else None

    @extend_schema_field(PublicSecondReplySerializer(many=True))
    def get_second_replies(self, case: Case) -> list[dict]:
        rows = [{"at": e.at, "text": e.text} for e in self._texts(case).second_replies]
        return PublicSecondReplySerializer(rows, many=True).data


# --- transitions ----------------------------------------------------------------------


class NoteMixin(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DispatchSerializer(NoteMixin):
    department = DepartmentCodeField()
    # 協辦: co-handling departments asked in the same step (casesys.cohandling).
    co_departments = serializers.ListField(
        child=DepartmentCodeField(), required=False, default=list, max_length=20,
        help_text="協辦單位代碼 / codes of co-handling departments",
    )


class AcceptSerializer(serializers.Serializer):
    pass


class AssignSerializer(NoteMixin):
    assignee = UsernameField()


class SubmitReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=20000)


class ApproveSerializer(NoteMixin):
    pass


class ReturnReplySerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TransferSerializer(ReasonSerializer):
    agency = serializers.CharField(max_length=200)
    # A site visit was needed to find the competent agency: the transfer is due a day later.
    site_visit = serializers.BooleanField(required=False, default=False)


class FileSerializer(NoteMixin):
    reason_code = serializers.ChoiceField(choices=FiledReason.CHOICES)
    repeat_of = VisibleCaseNumberField(required=False, allow_null=True, default=None)


class MergeSerializer(NoteMixin):
    into = VisibleCaseNumberField()


class RequestExtensionSerializer(ReasonSerializer):
    days = serializers.IntegerField(min_value=1, max_value=60)
    status_text = serializers.CharField(
        max_length=2000, help_text="目前處理情形，將告知陳情人 / the current handling status, quoted to the petitioner"
    )


class DecideExtensionSerializer(NoteMixin):
    approve = serializers.BooleanField()


# --- co-handling parts: requests (casesys.cohandling) -----------------------------------------


class AddCoHandlersSerializer(serializers.Serializer):
    departments = serializers.ListField(
        child=DepartmentCodeField(), min_length=1, max_length=20, help_text="協辦單位代碼 / department codes"
    )
    request_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="請協辦事項 / what is asked"
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="協辦期限（預設：案件期限前 3 個工作天）/ sub-deadline")


class PartAssignSerializer(NoteMixin):
    officer = UsernameField()


class PartDecideReturnSerializer(NoteMixin):
    release = serializers.BooleanField(help_text="true：免協辦 / released；false：仍請協辦 / re-imposed")
