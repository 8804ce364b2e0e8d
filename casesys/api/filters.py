"""Query-string filters of the case list. Bad values answer 400 with field messages."""

from __future__ import annotations

import copy
import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from casesys.cases.models import OPEN_Q, Case, State, channel_choices


class MomentField(IsoDateTimeField):
    """ISO 8601 date or date-time, normalised to UTC.

    PostgreSQL refuses offsets beyond ±15:59 and the ORM cannot represent every year, so
    odd but parseable input is converted (or refused with a 400) here instead of failing
    in the database."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        if not 1900 <= moment.year <= 2200:
            raise forms.ValidationError("日期超出範圍（1900–2200 年）/ Date out of range (years 1900–2200).")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(dt.UTC)


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


def _bound_copy(base: django_filters.Filter, parent: django_filters.FilterSet) -> django_filters.Filter:
    clone = copy.copy(base)
    clone.model = parent.queryset.model
    clone.parent = parent
    if getattr(base, "_method", None) is not None:
        clone.method = base._method  # a FilterMethod that calls this filterset's method
    return clone


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices, help_text="案件狀態 / case state")
    department = django_filters.CharFilter(
        field_name="department__code", max_length=32, help_text="承辦單位代碼 / department code"
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", max_length=150, help_text="承辦人帳號，或 `me` / officer's username, or `me`"
    )
    category = django_filters.CharFilter(field_name="category__code", max_length=32, help_text="類別代碼 / category code")
    channel = django_filters.ChoiceFilter(choices=channel_choices, help_text="管道 / channel")
    open = django_filters.BooleanFilter(
        method="filter_open", help_text="`true`: 未結案件（工作佇列）/ open cases only (a work queue)"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="`true`: 未結且已逾期 / open and past the deadline"
    )
    due_before = MomentFilter(
        field_name="due_at", lookup_expr="lt", help_text="due_at < 此時間 / due_at earlier than (ISO 8601)"
    )
    received_after = MomentFilter(
        field_name="received_at", lookup_expr="gte", help_text="received_at ≥ 此時間 / received at or after (ISO 8601)"
    )
    received_before = MomentFilter(
        field_name="received_at", lookup_expr="lt", help_text="received_at < 此時間 / received before (ISO 8601)"
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text="案號、主旨、內容的子字串（簡體字也找到繁體）/ substring of number, subject or description "
        "(Simplified Chinese finds Traditional text too)",
    )
    phone = django_filters.CharFilter(
        method="filter_phone",
        max_length=30,
        help_text="陳情人電話（正規化比對；限可檢視身分者，查詢留紀錄）/ the petitioner's phone (normalised; only "
        "for roles that may see identity; every such search is logged, the number masked)",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter, with its choices and widgets, for each
        # request (a tenth of the queue's time); a shallow copy bound to this instance is all
        # a request needs. super() still does the rest of the set-up, over no filters.
        base_filters = type(self).base_filters
        self.base_filters = {}
        try:
            super().__init__(data, queryset, request=request, prefix=prefix)
        finally:
            del self.base_filters
        self.filters = {name: _bound_copy(f, self) for name, f in base_filters.items()}

    def get_form_class(self):
        # django-filter builds a new form class, with new field objects, for every request;
        # none of these fields depends on the request, so one class serves them all.
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    def filter_assignee(self, qs, name, value):
        if not value:
            return qs
        if value == "me":
            return qs.filter(assignee=self.request.user)
        return qs.filter(assignee__username=value)

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(OPEN_Q) if value else qs.exclude(OPEN_Q)

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = OPEN_Q & Q(due_at__lt=timezone.now())
        return qs.filter(late) if value else qs.exclude(late)

    def filter_q(self, qs, name, value):
        from casesys.cases.staff_search import text_filter

        return text_filter(qs, value)

    def filter_phone(self, qs, name, value):
        from rest_framework.exceptions import PermissionDenied, ValidationError

        from casesys.cases.contacts import phone_key
        from casesys.cases.staff_search import NOT_ALLOWED, identity_filter, may_search_identity

        if not value:
            return qs
        if not may_search_identity(self.request.user):
            raise PermissionDenied(NOT_ALLOWED)
        if not phone_key(value):
            raise ValidationError({"phone": ["請輸入完整電話號碼 / Enter a whole phone number."]})
        # The list view records the search (casesys.cases.staff_search.identity_search_record)
        # once it knows which cases the page lists.
        self.request._casesys_identity_terms = {"phone": value}
        return identity_filter(qs, user=self.request.user, terms={"phone": value})
