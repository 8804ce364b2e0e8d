from __future__ import annotations

from django.contrib import admin

from casesys.suggest.models import SuggestModel


@admin.register(SuggestModel)
class SuggestModelAdmin(admin.ModelAdmin):
    list_display = ("trained_at", "cases", "categories", "features", "seconds", "since", "until")
    exclude = ("data",)
    readonly_fields = ("trained_at", "since", "until", "cases", "categories", "features", "seconds")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
