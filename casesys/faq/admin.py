from __future__ import annotations

from django.contrib import admin

from casesys.faq.models import FaqEntry, FaqEvent, FaqProposal


class FaqEventInline(admin.TabularInline):
    model = FaqEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "by", "at", "changed", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written and published on /desk/faq/ (the review step, audited)."""

    list_display = ("question", "category", "status", "last_reviewed_at")
    list_filter = ("status", "category")
    search_fields = ("question", "question_en")
    inlines = [FaqEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FaqProposal)
class FaqProposalAdmin(admin.ModelAdmin):
    list_display = ("question", "category", "case_count", "status", "refreshed_at")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
