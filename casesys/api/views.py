"""API views: authenticate, validate input shape, call one selector or service, serialize."""

from __future__ import annotations

from functools import lru_cache

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api import serializers as s
from casesys.api.filters import CaseFilter
from casesys.api.pagination import CaseCursorPagination
from casesys.api.permissions import CanRegisterCases, IsStaff
from casesys.api.transitions import SPECS, TransitionSpec
from casesys.cases.identity import identity_reveal
from casesys.cases.models import Case, Category
from casesys.cases.numbering import check_case_password, hash_case_password
from casesys.cases.selectors import case_get_by_number, case_get_visible, case_list_for
from casesys.cases.services import case_intake
from casesys.common.limits import client_ident, track_limiter
from casesys.org.models import Department
from casesys.workcal.calendar import WorkCalendar

E = s.ErrorSerializer


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    text = {
        400: "輸入資料有誤 / Invalid input (field messages in `errors`)",
        403: "未登入或沒有權限 / Not signed in, or not permitted",
        404: "找不到（含無權查看的案件）/ Not found (also for cases outside the caller's scope)",
        409: "目前狀態不允許，或已被他人更新 / Not allowed in the current state, or lost a concurrent update",
        429: "嘗試次數過多 / Too many attempts",
    }
    return {code: OpenApiResponse(E, description=text[code]) for code in codes}


def _case_or_404(user, number: str) -> Case:
    # Out of scope and non-existent look the same: no hint that a number exists.
    case = case_get_visible(user=user, number=number) if _plausible_number(number) else None
    if case is None:
        raise NotFound("找不到案件 / Case not found.")
    return case


def _plausible_number(number: str) -> bool:
    return bool(number) and len(number) <= 32 and "\x00" not in number


def _detail_context(request: Request) -> dict:
    return {"request": request, "calendar": WorkCalendar.recent(), "now": timezone.now()}


NUMBER_PARAM = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, description="案號 / case number")


# --- cases ---------------------------------------------------------------------------


@extend_schema(tags=["cases"])
class CaseListCreateView(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated, IsStaff, CanRegisterCases]
    serializer_class = s.CaseRowSerializer
    pagination_class = CaseCursorPagination
    filterset_class = CaseFilter
    filter_backends = [*generics.ListCreateAPIView.filter_backends, OrderingFilter]
    ordering_fields = ["due_at", "received_at"]
    ordering = ["-received_at"]

    def get_queryset(self):
        return case_list_for(self.request.user)

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["calendar"] = WorkCalendar.recent()
        ctx["now"] = timezone.now()
        return ctx

    def list(self, request, *args, **kwargs):
        # The queue is the most-used endpoint; at 50 rows a page its cost was building model
        # instances and running the serializer's field machinery, not the indexed query. Rows
        # are read as plain tuples and shaped by `s.case_rows`, which produces exactly what
        # `CaseRowSerializer` documents (tests compare the two).
        queryset = self.filter_queryset(self.get_queryset()).values(*s.CASE_ROW_VALUES)
        page = self.paginate_queryset(queryset)
        terms = getattr(request, "_casesys_identity_terms", None)
        if terms:
            from casesys.cases.models import IdentitySearch
            from casesys.cases.staff_search import identity_search_record

            numbers = [row["number"] for row in page]
            identity_search_record(
                user=request.user, source=IdentitySearch.Source.API, terms=terms, result_count=len(numbers),
                case_numbers=numbers,
            )
        ctx = self.get_serializer_context()
        return self.get_paginated_response(s.case_rows(page, calendar=ctx["calendar"], now=ctx["now"]))

    @extend_schema(
        summary="案件列表 / The caller's visible cases",
        parameters=[
            OpenApiParameter(
                "ordering", OpenApiTypes.STR, enum=["due_at", "-due_at", "received_at", "-received_at"],
                description="排序 / ordering (default -received_at)",
            ),
        ],
        responses={200: s.CaseRowSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="登錄案件 / Intake",
        description="回應中的 `password`（查詢密碼）只出現這一次 / The `password` is returned only in this response.",
        request=s.IntakeSerializer,
        examples=[
            OpenApiExample(
                "1999 話務 / hotline call",
                request_only=True,
                value={
                    "channel": "phone",
                    "category": "GEN-MAILBOX",
                    "urgency": "normal",
                    "subject": "中山路路燈不亮",
                    "description": "中山路二段巷口路燈已經三天不亮，夜間行人危險。",
                    "petitioner": {"name": "王小明", "phone": "0912345678", "email": "", "confidential": False},
                    "location": {"address": "中山區中山路二段10號", "district": "中山區", "lat": 25.05, "lng": 121.52},
                },
            )
        ],
        responses={201: s.IntakeResultSerializer, **errors(400, 403)},
    )
    def post(self, request, *args, **kwargs):
        ser = s.IntakeSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        pet = d.get("petitioner") or {}
        location = d.get("location") or {}
        result = case_intake(
            channel=d["channel"],
            category=d["category"],
            urgency=d.get("urgency"),
            subject=d["subject"],
            description=d["description"],
            language=d.get("language") or "zh",
            received_at=d.get("received_at"),
            petitioner=pet,
            location=location,
            confidential=bool(pet.get("confidential")),
            by=request.user,
        )
        case = result.case
        body = {
            "number": case.number,
            "state": case.state,
            "department": case.department.code if case.department_id else None,
            "due_at": case.due_at,
            "dispatch_due_at": case.dispatch_due_at,
            "password": result.password,
        }
        out = s.IntakeResultSerializer(body).data
        return Response(out, status=status.HTTP_201_CREATED, headers={"Location": f"{request.path}{case.number}/"})


@extend_schema(tags=["cases"])
class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        summary="案件內容、歷程與可執行動作 / Detail, timeline and available transitions",
        parameters=[NUMBER_PARAM],
        responses={200: s.CaseDetailSerializer, **errors(403, 404)},
    )
    def get(self, request, number: str):
        case = _case_or_404(request.user, number)
        return Response(s.CaseDetailSerializer(case, context=_detail_context(request)).data)


@extend_schema(tags=["cases"])
class CaseRevealView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        summary="揭露陳情人身分（留存稽核紀錄）/ Reveal the petitioner's identity (audited)",
        parameters=[NUMBER_PARAM],
        request=None,
        responses={200: s.RevealSerializer, **errors(403, 404)},
    )
    def post(self, request, number: str):
        case = _case_or_404(request.user, number)
        view = identity_reveal(case=case, by=request.user)
        return Response(
            {"number": case.number, "petitioner": view.as_dict() if view else None, "description": case.description}
        )


class TransitionView(APIView):
    """POST /cases/{number}/transitions/{name}/ — one subclass per transition (see urls)."""

    permission_classes = [IsAuthenticated, IsStaff]
    spec: TransitionSpec | None = None

    def get_serializer(self, *args, **kwargs):
        assert self.spec is not None
        return self.spec.serializer(*args, context={"request": self.request}, **kwargs)

    def post(self, request, number: str, name: str | None = None):
        if self.spec is None:
            raise NotFound("沒有這個動作 / No such transition.")
        case = _case_or_404(request.user, number)
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        self.spec.run(case, request.user, ser.validated_data)
        # After e.g. return_to_intake an officer may no longer see the case: answer with the
        # in-memory copy (already updated by the service) rather than a confusing 404.
        fresh = case_get_visible(user=request.user, number=case.number) or case
        return Response(s.CaseDetailSerializer(fresh, context=_detail_context(request)).data)


def transition_view(spec: TransitionSpec) -> type[TransitionView]:
    cls = type(f"{spec.name.title().replace('_', '')}TransitionView", (TransitionView,), {"spec": spec})
    return extend_schema_view(
        post=extend_schema(
            tags=["transitions"],
            operation_id=f"cases_transition_{spec.name}",
            summary=spec.summary,
            parameters=[NUMBER_PARAM],
            request=spec.serializer,
            responses={200: s.CaseDetailSerializer, **errors(400, 403, 404, 409)},
        )
    )(cls)


TRANSITION_VIEWS = {name: transition_view(spec) for name, spec in SPECS.items()}


@extend_schema(exclude=True)
class UnknownTransitionView(TransitionView):
    spec = None


# --- catalogue -----------------------------------------------------------------------


@extend_schema(tags=["catalogue"], summary="案件類別 / Categories", responses={200: s.CategorySerializer(many=True), **errors(403)})
class CategoryListView(generics.ListAPIView):
    serializer_class = s.CategorySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return Category.objects.filter(active=True).select_related("parent", "department").order_by("code")


@extend_schema(
    tags=["catalogue"], summary="機關單位 / Departments", responses={200: s.DepartmentSerializer(many=True), **errors(403)}
)
class DepartmentListView(generics.ListAPIView):
    serializer_class = s.DepartmentSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return Department.objects.filter(active=True).select_related("parent").order_by("path")


@extend_schema(tags=["catalogue"])
class CalendarView(APIView):
    @extend_schema(
        summary="辦公日曆 / Working-day calendar",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="西元年，預設今年 / year (default: this year)")],
        responses={200: s.CalendarSerializer, **errors(400, 403)},
    )
    def get(self, request):
        q = s.CalendarQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        year = q.validated_data.get("year") or timezone.localdate().year
        cal = WorkCalendar.load()
        days = [{"date": d["date"], "is_working_day": d["is_working_day"], "name": d["reason"]} for d in cal.days(year)]
        return Response(s.CalendarSerializer({"year": year, "days": days}).data)


# --- citizen lookup ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Unknown numbers are checked against this so they cost as much as a wrong password.
    return hash_case_password("casesys-dummy-password")


@extend_schema(tags=["public"])
class TrackView(APIView):
    """The citizen's status lookup. No session, no CSRF, no personal data in the answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="民眾查詢案件進度 / Citizen status lookup",
        request=s.TrackRequestSerializer,
        responses={200: s.PublicCaseSerializer, **errors(400, 404, 429)},
    )
    def post(self, request):
        limiter = track_limiter()
        ident = client_ident(request)
        wait = limiter.retry_after(ident)
        if wait:
            raise Throttled(wait=wait)
        ser = s.TrackRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        number, password = ser.validated_data["number"], ser.validated_data["password"]
        case = case_get_by_number(number=number)
        ok = check_case_password(password, case.password_hash if case else _dummy_hash())
        if case is None or not ok:
            limiter.record_failure(ident)
            # Same answer for a wrong password and an unknown number.
            raise NotFound("案號或查詢密碼錯誤 / Wrong case number or password.")
        return Response(s.PublicCaseSerializer(case).data)


# --- tokens --------------------------------------------------------------------------


@extend_schema(tags=["auth"])
class ObtainTokenView(APIView):
    """Username + password → API token (the same key `drf_create_token` issues)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="取得 API 金鑰 / Obtain an API token",
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(max_length=150), "password": serializers.CharField(max_length=128)}
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}), **errors(400, 429)},
    )
    def post(self, request):
        from django.contrib.auth import authenticate
        from rest_framework.authtoken.models import Token

        from casesys.org.auth import LoginThrottled

        ser = s.TokenRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            user = authenticate(request._request, **ser.validated_data)
        except LoginThrottled as exc:
            raise Throttled(wait=exc.wait) from None
        if user is None:
            raise serializers.ValidationError({"non_field_errors": ["帳號或密碼錯誤 / Wrong username or password."]})
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

