"""In-app notifications API: `GET /api/v1/notifications/`, mark one or all as read."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.api.views import errors
from casesys.notifications import selectors, services
from casesys.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", default=None, allow_null=True, read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "key", "template", "subject", "body", "case_number", "created_at", "sent_at", "read_at", "unread"]

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class NotificationPagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread"] = self.unread
        return response

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["unread"] = {"type": "integer", "description": "未讀總數 / unread in total", "example": 3}
        page["required"] = [*page.get("required", []), "unread"]
        return page


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次標示為已讀的則數 / how many were marked read")
    unread = serializers.IntegerField(help_text="之後的未讀數（0）/ unread afterwards (0)")


@extend_schema(tags=["notifications"])
class NotificationListView(APIView):
    """我的站內通知 / My in-app notifications. `?unread=true` lists unread ones only."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    @extend_schema(
        summary="我的站內通知 / My in-app notifications, newest first",
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.STR, enum=["true", "false"], description="`true`: 只列未讀 / unread ones only"
            ),
        ],
        responses={200: NotificationSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request):
        unread_param = request.query_params.get("unread", "").lower()
        if unread_param not in ("", "true", "false", "1", "0"):
            raise ValidationError({"unread": ["須為 true 或 false / Must be true or false."]})
        qs = selectors.inapp_for(request.user, unread_only=unread_param in ("true", "1"))
        paginator = self.pagination_class()
        paginator.unread = selectors.inapp_unread_count(request.user)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


@extend_schema(tags=["notifications"])
class NotificationReadView(APIView):
    """標示為已讀 / Mark one notification as read."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    @extend_schema(
        summary="標示為已讀 / Mark one notification as read",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="通知編號 / notification id")],
        request=None,
        responses={200: NotificationSerializer, **errors(403, 404)},
    )
    def post(self, request, pk: int):
        notification = selectors.inapp_for(request.user).filter(pk=pk).first()
        if notification is None:
            raise NotFound("找不到通知 / Notification not found.")
        services.notification_mark_read(user=request.user, notification_id=pk)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"])
class NotificationReadAllView(APIView):
    """全部標示為已讀 / Mark all as read."""

    permission_classes = [IsAuthenticated]
    serializer_class = MarkedReadSerializer

    @extend_schema(
        summary="全部標示為已讀 / Mark all as read",
        request=None,
        responses={200: MarkedReadSerializer, **errors(403)},
    )
    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": count, "unread": 0})
