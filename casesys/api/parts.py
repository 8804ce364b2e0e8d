"""Co-handling parts in the API (casesys.cohandling): add co-handling departments to a case,
run a part's transitions. The case must be visible to the caller (404 otherwise); the part's
permissions follow its department (403), its state and the case's (409)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api import serializers as s
from casesys.api.permissions import IsStaff
from casesys.api.transitions import PART_SPECS, PartTransitionSpec
from casesys.api.views import NUMBER_PARAM, _case_or_404, _detail_context, errors
from casesys.cases.selectors import case_get_visible
from casesys.cohandling.selectors import part_get
from casesys.cohandling.services import case_add_co_handlers

PART_PARAM = OpenApiParameter("part", OpenApiTypes.INT, OpenApiParameter.PATH, description="協辦編號 / part id")


def _fresh(request, case):
    return case_get_visible(user=request.user, number=case.number) or case


@extend_schema(tags=["co-handling"])
class CaseAddCoHandlersView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        summary="加入協辦單位 / Add co-handling departments",
        parameters=[NUMBER_PARAM],
        request=s.AddCoHandlersSerializer,
        responses={201: s.CaseDetailSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str):
        case = _case_or_404(request.user, number)
        ser = s.AddCoHandlersSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        case_add_co_handlers(
            case=case, departments=d["departments"], request_note=d["request_note"], due_at=d["due_at"], by=request.user
        )
        return Response(
            s.CaseDetailSerializer(_fresh(request, case), context=_detail_context(request)).data, status=status.HTTP_201_CREATED
        )


class PartTransitionView(APIView):
    """POST /cases/{number}/parts/{part}/transitions/{name}/ — one subclass per transition."""

    permission_classes = [IsAuthenticated, IsStaff]
    spec: PartTransitionSpec | None = None

    def post(self, request, number: str, part: int, name: str | None = None):
        if self.spec is None:
            raise NotFound("沒有這個動作 / No such transition.")
        case = _case_or_404(request.user, number)
        found = part_get(user=request.user, case=case, part_id=part)
        if found is None:
            raise NotFound("找不到協辦 / Part not found.")
        ser = self.spec.serializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        self.spec.run(found, request.user, ser.validated_data)
        return Response(s.CaseDetailSerializer(_fresh(request, case), context=_detail_context(request)).data)


def part_transition_view(spec: PartTransitionSpec) -> type[PartTransitionView]:
    cls = type(f"Part{spec.name.title().replace('_', '')}TransitionView", (PartTransitionView,), {"spec": spec})
    return extend_schema_view(
        post=extend_schema(
            tags=["co-handling"],
            operation_id=f"cases_part_transition_{spec.name}",
            summary=spec.summary,
            parameters=[NUMBER_PARAM, PART_PARAM],
            request=spec.serializer,
            responses={200: s.CaseDetailSerializer, **errors(400, 403, 404, 409)},
        )
    )(cls)


PART_TRANSITION_VIEWS = {name: part_transition_view(spec) for name, spec in PART_SPECS.items()}


@extend_schema(exclude=True)
class UnknownPartTransitionView(PartTransitionView):
    spec = None
