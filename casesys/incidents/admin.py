from __future__ import annotations

from django.contrib import admin

from casesys.incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("pk", "title", "status", "category", "owner_department", "started_at", "last_report_at")
    list_filter = ("status",)
    search_fields = ("title",)
    readonly_fields = ("bigrams",)
