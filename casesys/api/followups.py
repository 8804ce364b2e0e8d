"""Follow-ups (回訪) in the API.

- `GET  /api/v1/follow-ups/?status=open|done` — the caller's follow-ups (supervisors: their
  subtree; administrators: all), soonest due first.
- `POST /api/v1/cases/{number}/follow-ups/{id}/callback/` — `{"note": "…"}`: close it with a
  call-back.
- `POST /api/v1/cases/{number}/follow-ups/{id}/second-reply/` — `{"reply": "…"}`: close it
  with a second reply, sent to the petitioner.

A follow-up already closed answers 409; staff who may not close it get 403.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api.permissions import IsStaff
from casesys.api.views import NUMBER_PARAM, _case_or_404, errors
from casesys.cases.followups import follow_up_record_callback, follow_up_send_second_reply
from casesys.cases.models import FollowUp
from casesys.cases.selectors import follow_ups_for_inbox
from casesys.org.models import Role
from casesys.org.roles import roles_of

ID_PARAM = OpenApiParameter("follow_up", OpenApiTypes.INT, OpenApiParameter.PATH, description="回訪編號 / follow-up id")


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    subject = serializers.CharField(source="case.subject")
    department = serializers.CharField(source="department.code", default=None, allow_null=True)
    score = serializers.IntegerField(help_text="滿意度 1–5 / survey score")
    status = serializers.ChoiceField(choices=FollowUp.Status.choices)
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.CharField(source="closed_by.username", default=None, allow_null=True)
    method = serializers.CharField(help_text="callback | second_reply（辦結後） / once closed")
    note = serializers.CharField(help_text="回電紀錄或再次答復內容 / the call-back note or the second reply")

    def get_overdue(self, follow_up: FollowUp) -> bool:
        return follow_up.status == FollowUp.Status.OPEN and follow_up.due_at < self.context["now"]


class FollowUpQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUp.Status.choices, required=False, default=FollowUp.Status.OPEN)


class CallbackSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="回電紀錄 / what was said on the call")


class SecondReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=5000, help_text="再次答復，將送給陳情人 / sent to the petitioner")


@extend_schema(tags=["follow-ups"])
class FollowUpListView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        summary="回訪清單 / Follow-ups in the caller's charge",
        parameters=[FollowUpQuerySerializer],
        responses={200: FollowUpSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request):
        if not roles_of(request.user) & {Role.SUPERVISOR, Role.ADMIN}:
            raise PermissionDenied("只有主管可以查看回訪 / Only supervisors see follow-ups.")
        query = FollowUpQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = follow_ups_for_inbox(user=request.user, status=query.validated_data["status"])[:500]
        return Response(FollowUpSerializer(rows, many=True, context={"now": timezone.now()}).data)


class _CloseView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]
    serializer_class: type[serializers.Serializer] = CallbackSerializer

    def _close(self, follow_up: FollowUp, data: dict, by) -> FollowUp:
        raise NotImplementedError

    def post(self, request, number: str, follow_up: int):
        case = _case_or_404(request.user, number)
        target = FollowUp.objects.select_related("case", "department").filter(pk=follow_up, case=case).first()
        if target is None:
            raise NotFound("找不到回訪 / Follow-up not found.")
        ser = self.serializer_class(data=request.data)
        ser.is_valid(raise_exception=True)
        closed = self._close(target, ser.validated_data, request.user)
        closed = FollowUp.objects.select_related("case", "department", "closed_by").get(pk=closed.pk)
        return Response(FollowUpSerializer(closed, context={"now": timezone.now()}).data)


@extend_schema(tags=["follow-ups"])
class FollowUpCallbackView(_CloseView):
    serializer_class = CallbackSerializer

    @extend_schema(
        summary="記錄電話回訪並辦結 / Close a follow-up with a call-back",
        parameters=[NUMBER_PARAM, ID_PARAM],
        request=CallbackSerializer,
        responses={200: FollowUpSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str, follow_up: int):
        return super().post(request, number, follow_up)

    def _close(self, follow_up, data, by):
        return follow_up_record_callback(follow_up=follow_up, note=data["note"], by=by)


@extend_schema(tags=["follow-ups"])
class FollowUpSecondReplyView(_CloseView):
    serializer_class = SecondReplySerializer

    @extend_schema(
        summary="再次答復陳情人並辦結 / Close a follow-up with a second reply to the petitioner",
        parameters=[NUMBER_PARAM, ID_PARAM],
        request=SecondReplySerializer,
        responses={200: FollowUpSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str, follow_up: int):
        return super().post(request, number, follow_up)

    def _close(self, follow_up, data, by):
        return follow_up_send_second_reply(follow_up=follow_up, reply=data["reply"], by=by)
