from __future__ import annotations

from django.contrib import admin

from casesys.cohandling.models import CasePart


@admin.register(CasePart)
class CasePartAdmin(admin.ModelAdmin):
    list_display = ("case", "department", "state", "officer", "due_at", "on_time")
    list_filter = ("state",)
    search_fields = ("case__number", "department__code")
    raw_id_fields = ("case", "officer")
    # Parts change only through their workflow (services): read-only here.
    readonly_fields = [f.name for f in CasePart._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
