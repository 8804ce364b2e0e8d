"""Incidents API, mounted at /api/v1/incidents/ by casesys/urls.py.

- `GET  /api/v1/incidents/?status=open|closed|all` — incidents with their report counts.
- `POST /api/v1/incidents/` — `{"case": "CS-…", "title": "…", "public_description"?, "owner_department"?}`
  opens an incident from its first report → 201.
- `GET  /api/v1/incidents/{id}/` — one incident and the linked cases the caller may see.
- `POST /api/v1/incidents/{id}/link/` — `{"cases": ["CS-…", …]}` (all or none) → 200.
- `POST /api/v1/incidents/{id}/unlink/` — `{"case": "CS-…"}` → 200.
- `POST /api/v1/incidents/{id}/reply/` — `{"reply": "…"}`: the reply every case gets → 200.
- `POST /api/v1/incidents/{id}/close-all/` — replies to and closes every open linked case → 200.
- `GET  /api/v1/incidents/suggest/?case=CS-…` — open incidents the case is probably about.

Same permission style as the case API: staff only; cases outside the caller's scope look
absent (404); not allowed → 403; not possible now → 409; bad input → 400.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api.permissions import IsStaff
from casesys.api.views import errors
from casesys.cases.selectors import case_get_visible, cases_visible_to
from casesys.incidents import selectors
from casesys.incidents.models import Incident
from casesys.incidents.services import (
    MANAGE_ROLES,
    incident_close_all,
    incident_create,
    incident_draft_reply,
    incident_link,
    incident_unlink,
)
from casesys.incidents.suggest import suggest_for_case
from casesys.org.models import Department
from casesys.org.roles import has_role


class CanManageIncidents(BasePermission):
    message = "您沒有管理事件的權限 / You may not manage incidents."

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return has_role(request.user, *MANAGE_ROLES)


class IncidentSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)
    owner_department = serializers.CharField(source="owner_department.code", read_only=True)
    reports = serializers.IntegerField(read_only=True, help_text="併入的通報件數 / linked reports")
    open_reports = serializers.IntegerField(read_only=True, help_text="其中未結案 / of which open")

    class Meta:
        model = Incident
        fields = [
            "id", "title", "public_description", "status", "category", "owner_department", "district",
            "started_at", "last_report_at", "reports", "open_reports", "reply", "reply_drafted_at",
            "created_at", "closed_at",
        ]


class IncidentCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    subject = serializers.CharField()
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)


class IncidentDetailSerializer(IncidentSerializer):
    cases = serializers.SerializerMethodField()
    cases_outside_scope = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "cases", "cases_outside_scope"]

    def _cases(self, incident):
        if not hasattr(self, "_cached"):
            self._cached = selectors.incident_cases_for(incident=incident, user=self.context["request"].user)
        return self._cached

    def get_cases(self, incident) -> list[dict]:
        return IncidentCaseSerializer(self._cases(incident)[0], many=True).data

    def get_cases_outside_scope(self, incident) -> int:
        return self._cases(incident)[1]


class CreateSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=32, help_text="首報案號 / the first report's case number")
    title = serializers.CharField(max_length=200)
    public_description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    owner_department = serializers.CharField(required=False, allow_blank=True, help_text="單位代碼 / department code")


class LinkSerializer(serializers.Serializer):
    cases = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1, max_length=500)


class UnlinkSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=32)


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=10000, help_text="{number} 代入各案案號 / {number} becomes each case's number")


class CloseAllResultSerializer(serializers.Serializer):
    incident = IncidentSerializer()
    closed = serializers.ListField(child=serializers.CharField())
    already_final = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="incident_id")
    title = serializers.CharField()
    score = serializers.FloatField()
    text_score = serializers.FloatField()
    distance_m = serializers.FloatField(allow_null=True)
    hours_apart = serializers.FloatField()
    reports = serializers.IntegerField()


def _incident_or_404(pk: int) -> Incident:
    incident = selectors.incident_get(pk=pk)
    if incident is None:
        raise NotFound("找不到事件 / Incident not found.")
    return incident


def _case_or_404(user, number: str):
    case = case_get_visible(user=user, number=number) if number and "\x00" not in number else None
    if case is None:
        raise NotFound(f"找不到案件 {number} / Case {number} not found.")
    return case


def _detail(request, pk: int) -> Response:
    return Response(IncidentDetailSerializer(_incident_or_404(pk), context={"request": request}).data)


PERMS = [IsAuthenticated, IsStaff, CanManageIncidents]


@extend_schema(tags=["incidents"])
class IncidentListView(APIView):
    permission_classes = PERMS
    serializer_class = IncidentSerializer

    @extend_schema(summary="事件列表 / Incidents with their report counts", responses={200: IncidentSerializer(many=True), **errors(400, 403)})
    def get(self, request):
        wanted = request.query_params.get("status", "open")
        if wanted not in ("open", "closed", "all"):
            raise DRFValidationError({"status": ["須為 open、closed 或 all / Must be open, closed or all."]})
        qs = selectors.incident_list(status=None if wanted == "all" else wanted)[:200]
        return Response(IncidentSerializer(qs, many=True).data)

    @extend_schema(summary="以首報建立事件 / Open an incident from its first report", request=CreateSerializer,
                   responses={201: IncidentDetailSerializer, **errors(400, 403, 404)})
    def post(self, request):
        data = CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = _case_or_404(request.user, d["case"])
        owner = None
        if d.get("owner_department"):
            owner = Department.objects.filter(code=d["owner_department"], active=True).first()
            if owner is None:
                raise DRFValidationError({"owner_department": ["找不到此單位 / No such department."]})
        incident = incident_create(
            case=case, title=d["title"], public_description=d.get("public_description", ""), owner_department=owner, by=request.user
        )
        resp = _detail(request, incident.pk)
        resp.status_code = status.HTTP_201_CREATED
        return resp


@extend_schema(tags=["incidents"])
class IncidentDetailView(APIView):
    permission_classes = PERMS
    serializer_class = IncidentDetailSerializer

    @extend_schema(summary="事件與其通報 / One incident and its linked cases", responses={200: IncidentDetailSerializer, **errors(403, 404)})
    def get(self, request, pk: int):
        return _detail(request, pk)


@extend_schema(tags=["incidents"])
class IncidentLinkView(APIView):
    permission_classes = PERMS
    serializer_class = LinkSerializer

    @extend_schema(summary="併入案件（全部或全不）/ Link cases (all or none)", request=LinkSerializer,
                   responses={200: IncidentDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        incident = _incident_or_404(pk)
        data = LinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        numbers = list(dict.fromkeys(data.validated_data["cases"]))
        cases = list(cases_visible_to(request.user).filter(number__in=numbers))
        missing = sorted(set(numbers) - {c.number for c in cases})
        if missing:
            raise NotFound(f"找不到案件 / Cases not found: {', '.join(missing)}")
        incident_link(incident=incident, cases=cases, by=request.user)
        return _detail(request, pk)


@extend_schema(tags=["incidents"])
class IncidentUnlinkView(APIView):
    permission_classes = PERMS
    serializer_class = UnlinkSerializer

    @extend_schema(summary="自事件移除案件 / Unlink a case", request=UnlinkSerializer,
                   responses={200: IncidentDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        incident = _incident_or_404(pk)
        data = UnlinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident_unlink(incident=incident, case=_case_or_404(request.user, data.validated_data["case"]), by=request.user)
        return _detail(request, pk)


@extend_schema(tags=["incidents"])
class IncidentReplyView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]
    serializer_class = ReplySerializer

    @extend_schema(summary="擬定統一答復 / Draft the reply every case gets", request=ReplySerializer,
                   responses={200: IncidentDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        incident = _incident_or_404(pk)
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident_draft_reply(incident=incident, reply=data.validated_data["reply"], by=request.user)
        return _detail(request, pk)


@extend_schema(tags=["incidents"])
class IncidentCloseAllView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]
    serializer_class = CloseAllResultSerializer

    @extend_schema(
        summary="核定答復並全部結案 / Approve the reply, close every linked case and the incident",
        request=None,
        responses={200: CloseAllResultSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        incident = _incident_or_404(pk)
        result = incident_close_all(incident=incident, by=request.user)
        return Response(
            {
                "incident": IncidentSerializer(selectors.incident_get(pk=pk)).data,
                "closed": result.closed,
                "already_final": result.already_final,
            }
        )


@extend_schema(tags=["incidents"])
class IncidentSuggestView(APIView):
    permission_classes = PERMS
    serializer_class = SuggestionSerializer

    @extend_schema(summary="案件可能屬於的事件 / Open incidents a case is probably about",
                   responses={200: SuggestionSerializer(many=True), **errors(400, 403, 404)})
    def get(self, request):
        number = request.query_params.get("case", "")
        if not number:
            raise DRFValidationError({"case": ["請提供案號 / Give a case number."]})
        return Response(SuggestionSerializer(suggest_for_case(_case_or_404(request.user, number)), many=True).data)
