from __future__ import annotations

from django.db.models import QuerySet

from casesys.notifications.models import Notification, NotificationChannel


def inapp_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """Delivered in-app notifications of one user, newest first (partial index notif_inapp_user)."""
    qs = (
        Notification.objects.filter(recipient_user=user, channel=NotificationChannel.INAPP, status=Notification.Status.SENT)
        .select_related("case")
        .order_by("-created_at", "-id")
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def inapp_unread_count(user) -> int:
    return inapp_for(user, unread_only=True).count()
