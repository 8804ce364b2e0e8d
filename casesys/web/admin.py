from __future__ import annotations

from django.contrib import admin

from casesys.web.models import ReplyTemplate, SavedFilter


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "active"]
    list_filter = ["active", "category"]
    search_fields = ["title", "body"]


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "query", "created_at"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]
