"""In-app notifications API: `GET /api/v1/notifications/`, mark one or all as read."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casesys.notifications import selectors, services
from casesys.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", default=None, read_only=True)
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


class NotificationListView(APIView):
    """我的站內通知 / My in-app notifications. `?unread=true` lists unread ones only."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def get(self, request):
        unread_param = request.query_params.get("unread", "").lower()
        if unread_param not in ("", "true", "false", "1", "0"):
            return Response({"unread": ["須為 true 或 false / Must be true or false."]}, status=status.HTTP_400_BAD_REQUEST)
        qs = selectors.inapp_for(request.user, unread_only=unread_param in ("true", "1"))
        paginator = NotificationPagination()
        paginator.unread = selectors.inapp_unread_count(request.user)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(APIView):
    """標示為已讀 / Mark one notification as read."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def post(self, request, pk: int):
        notification = selectors.inapp_for(request.user).filter(pk=pk).first()
        if notification is None:
            return Response({"detail": "找不到通知 / Notification not found"}, status=status.HTTP_404_NOT_FOUND)
        services.notification_mark_read(user=request.user, notification_id=pk)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    """全部標示為已讀 / Mark all as read."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": count, "unread": 0})
