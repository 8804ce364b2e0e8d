from __future__ import annotations

from django.contrib import admin

from casesys.web.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "active"]
    list_filter = ["active", "category"]
    search_fields = ["title", "body"]
