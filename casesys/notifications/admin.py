from __future__ import annotations

from django.contrib import admin

from casesys.notifications import services
from casesys.notifications.models import ContactTask, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "template", "recipient_user", "case", "status", "priority", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "priority", "channel", "template", "office_hours_only"]
    search_fields = ["case__number", "dedupe_key", "recipient_address"]
    # The context may hold a case password until delivery: never shown here.
    exclude = ["context"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "context"]
    actions = ["retry"]

    @admin.action(description="重新嘗試傳送 / Retry delivery")
    def retry(self, request, queryset):
        for notification in queryset.filter(status=Notification.Status.FAILED):
            services.notification_retry(notification=notification)

    def has_add_permission(self, request):
        return False


@admin.register(ContactTask)
class ContactTaskAdmin(admin.ModelAdmin):
    """Read-only: tasks are created by notices and closed on the case page (with its audit event)."""

    list_display = ["id", "case", "template", "suggested_method", "created_at", "done_at", "done_by", "method"]
    list_filter = ["template", "suggested_method", "method"]
    search_fields = ["case__number", "dedupe_key"]
    readonly_fields = [f.name for f in ContactTask._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
