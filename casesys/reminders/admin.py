from __future__ import annotations

from django.contrib import admin

from casesys.reminders.models import EscalationRule, Reminder


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "trigger", "days", "level", "template", "active"]
    list_editable = ["days", "active"]
    list_filter = ["trigger", "level", "active"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "level", "due_for", "created_at"]
    list_filter = ["kind", "level"]
    search_fields = ["case__number"]
    raw_id_fields = ["case"]
    readonly_fields = ["case", "kind", "level", "due_for", "rule", "recipients", "created_at"]

    def has_add_permission(self, request):
        return False
