from __future__ import annotations

from django.contrib import admin, messages

from casesys.workcal.models import CalendarOverride, CalendarYear
from casesys.workcal.services import calendar_override_delete, calendar_override_set


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "reason", "source", "created_by", "updated_at")
    list_filter = ("source", "is_working_day")
    date_hierarchy = "date"
    search_fields = ("reason",)
    readonly_fields = ("created_by", "updated_at")

    # Saving or deleting through the admin goes through the services so open cases'
    # deadlines move in the same transaction.
    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            calendar_override_delete(day=form.initial["date"], by=request.user)
        _, moved = calendar_override_set(
            day=obj.date, is_working_day=obj.is_working_day, reason=obj.reason, source=obj.source, by=request.user
        )
        obj.refresh_from_db()
        messages.info(request, f"已重新計算 {moved} 件案件的處理期限 / Recomputed {moved} deadline(s).")

    def delete_model(self, request, obj):
        moved = calendar_override_delete(day=obj.date, by=request.user)
        messages.info(request, f"已重新計算 {moved} 件案件的處理期限 / Recomputed {moved} deadline(s).")

    def delete_queryset(self, request, queryset):
        for obj in list(queryset):
            self.delete_model(request, obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    # Written by import_dgpa_calendar only: a year is "covered" because its file was imported.
    list_display = ("year", "source", "days", "imported_at", "imported_by")
    readonly_fields = ("year", "source", "days", "imported_at", "imported_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
