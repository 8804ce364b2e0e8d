"""Leads triage API, mounted at /api/v1/leads/ by casesys/urls.py.

- `GET  /api/v1/leads/?status=new&source=line&group=<id>` — the triage queue, newest first;
  each lead with its first-triage deadline `triage_due_at` and, once decided, `triaged_on_time`.
- `POST /api/v1/leads/{id}/convert/` — `{"category": "LIGHT-OUT", "subject"?, "description"?,
  "urgency"?, "address"?, "lat"?, "lng"?}` → 201 with the new case (routed by its category).
- `POST /api/v1/leads/{id}/dismiss/` — `{"reason": "…"}` → 200.

A lead already converted or dismissed answers 409. Staff with the intake, officer,
supervisor or admin role may triage; analysts and citizens may not.
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api.views import errors
from casesys.cases.models import Category, Urgency
from casesys.inbound.models import Lead
from casesys.inbound.privacy import lead_view_for
from casesys.inbound.services import lead_convert, lead_dismiss
from casesys.org.models import Role
from casesys.org.roles import has_role

TRIAGE_ROLES = (Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class CanTriageLeads(BasePermission):
    message = "您沒有處理線索的權限 / You may not triage leads."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *TRIAGE_ROLES)


class LeadGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group_id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()


class LeadSerializer(serializers.ModelSerializer):
    group = serializers.SerializerMethodField()
    matched_rule = serializers.CharField(source="matched_rule.phrase", default=None, allow_null=True, read_only=True)
    suggested_category = serializers.CharField(source="suggested_category.code", default=None, allow_null=True, read_only=True)
    suggested_department = serializers.CharField(source="suggested_department.code", default=None, allow_null=True, read_only=True)
    case = serializers.CharField(source="case.number", default=None, allow_null=True, read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "source", "status", "reason", "group", "sender_id", "sender_name", "sender_masked", "title", "text", "url",
            "occurred_at", "created_at", "matched_rule", "suggested_category", "suggested_department", "case",
            "decided_by", "decided_at", "dismiss_reason", "triage_due_at", "triaged_on_time",
        ]

    sender_masked = serializers.SerializerMethodField(
        help_text="寄件人姓名與帳號已遮蔽 / the sender's name and id are masked (see casesys.inbound.privacy)"
    )

    def _view(self, lead: Lead):
        if not hasattr(self, "_views"):
            self._views: dict[int, object] = {}
        if lead.pk not in self._views:
            request = self.context.get("request")
            self._views[lead.pk] = lead_view_for(getattr(request, "user", None), lead)
        return self._views[lead.pk]

    def to_representation(self, lead: Lead) -> dict:
        # The sender shows like the petitioner of the converted case; without a request in
        # the context, masked.
        data = super().to_representation(lead)
        view = self._view(lead)
        data.update(
            sender_name=view.sender_name, sender_id=view.sender_id, title=view.title, text=view.text,
            sender_masked=view.sender_masked,
        )
        return data

    def get_sender_masked(self, lead: Lead) -> bool:
        return self._view(lead).sender_masked

    @extend_schema_field(LeadGroupSerializer(allow_null=True))
    def get_group(self, lead: Lead) -> dict | None:
        if lead.group is None:
            return None
        return {"id": lead.group.pk, "group_id": lead.group.group_id, "kind": lead.group.kind, "name": lead.group.name}


class ConvertSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="類別代碼 / category code")
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    urgency = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    notify_group = serializers.BooleanField(required=False, default=True)

    def validate_category(self, value: str) -> Category:
        category = Category.objects.filter(code=value.strip(), active=True).select_related("department").first()
        if category is None:
            raise serializers.ValidationError(f"找不到類別「{value}」/ No category “{value}”.")
        return category

    def validate_urgency(self, value: str) -> Urgency | None:
        if not value:
            return None
        urgency = Urgency.objects.filter(code=value).first()
        if urgency is None:
            raise serializers.ValidationError(f"找不到速別「{value}」/ No urgency “{value}”.")
        return urgency


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ConvertedCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    due_at = serializers.DateTimeField()


class ConvertResultSerializer(serializers.Serializer):
    """What a conversion answers (documentation only: the view builds the dict)."""

    lead = LeadSerializer()
    case = ConvertedCaseSerializer()
    password = serializers.CharField(help_text="查詢密碼，只出現這一次 / the case password, shown only here")


class LeadPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


LEAD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="線索編號 / lead id")


@extend_schema(tags=["leads"])
class LeadListView(APIView):
    permission_classes = [IsAuthenticated, CanTriageLeads]
    serializer_class = LeadSerializer
    pagination_class = LeadPagination

    @extend_schema(
        summary="線索分流佇列 / The leads triage queue, newest first",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=[*Lead.Status.values, "all"],
                description="狀態（預設 new）/ status (default `new`; `all` for every lead)",
            ),
            OpenApiParameter("source", OpenApiTypes.STR, description="來源 / source: a lead_source channel of CASESYS_CHANNELS"),
            OpenApiParameter("group", OpenApiTypes.STR, description="群組編號或平台群組 id / chat group id or the platform's group id"),
        ],
        responses={200: LeadSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request):
        qs = Lead.objects.select_related(
            "group", "matched_rule", "suggested_category", "suggested_department", "case", "decided_by"
        )
        wanted = request.query_params.get("status", Lead.Status.NEW)
        if wanted != "all":
            if wanted not in Lead.Status.values:
                raise ValidationError({"status": [f"未知的狀態 / Unknown status: {wanted}"]})
            qs = qs.filter(status=wanted)
        if source := request.query_params.get("source"):
            qs = qs.filter(source=source)
        if group := request.query_params.get("group"):
            match = Q(group__group_id=group)
            if group.isdigit():
                match |= Q(group__pk=int(group))
            qs = qs.filter(match)
        qs = qs.order_by("-occurred_at", "-id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(LeadSerializer(page, many=True, context={"request": request}).data)


@extend_schema(tags=["leads"])
class LeadConvertView(APIView):
    permission_classes = [IsAuthenticated, CanTriageLeads]
    serializer_class = ConvertSerializer

    @extend_schema(
        summary="線索轉為案件 / Convert a lead into a case",
        parameters=[LEAD_ID],
        request=ConvertSerializer,
        examples=[
            OpenApiExample("路燈不亮 / street light out", request_only=True, value={"category": "LIGHT-OUT"}),
        ],
        responses={201: ConvertResultSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        # Decided leads (409) and invalid fields (400) are raised by the service and answered
        # by the project-wide API error handler, in the API's one error shape.
        lead = get_object_or_404(Lead, pk=pk)
        form = ConvertSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        location = {k: data[k] for k in ("address", "lat", "lng") if data.get(k) not in (None, "")}
        result = lead_convert(
            lead=lead,
            by=request.user,
            category=data["category"],
            subject=data.get("subject", ""),
            description=data.get("description", ""),
            urgency=data.get("urgency"),
            location=location or None,
            notify_group=data.get("notify_group", True),
        )
        lead.refresh_from_db()
        case = result.case
        return Response(
            {
                "lead": LeadSerializer(lead, context={"request": request}).data,
                "case": {
                    "number": case.number,
                    "state": case.state,
                    "department": case.department.code if case.department_id else None,
                    "due_at": case.due_at,
                },
                # Shown once, like any intake: staff pass it on to the petitioner privately.
                "password": result.password,
            },
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["leads"])
class LeadDismissView(APIView):
    permission_classes = [IsAuthenticated, CanTriageLeads]
    serializer_class = DismissSerializer

    @extend_schema(
        summary="不處理此線索 / Dismiss a lead",
        parameters=[LEAD_ID],
        request=DismissSerializer,
        responses={200: LeadSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        lead = get_object_or_404(Lead, pk=pk)
        form = DismissSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = lead_dismiss(lead=lead, by=request.user, reason=form.validated_data["reason"])
        return Response(LeadSerializer(lead, context={"request": request}).data)
