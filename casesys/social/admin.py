from __future__ import annotations

from django.contrib import admin

from casesys.social.models import DutyShift, LeadAlert, LeadDigestSubscription


@admin.register(LeadDigestSubscription)
class LeadDigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "sources", "daily_report", "active", "created_at")
    list_filter = ("active", "daily_report")
    raw_id_fields = ("user",)


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("user", "starts_at", "ends_at", "note")
    list_filter = ("user",)
    date_hierarchy = "starts_at"
    raw_id_fields = ("user",)


@admin.register(LeadAlert)
class LeadAlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "lead", "case", "kind", "why", "recipients")
    list_filter = ("kind",)
    raw_id_fields = ("lead", "case")
    readonly_fields = ("lead", "case", "kind", "why", "recipients", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
