"""Admin for feeds (last error and back-off visible) and keyword rules.

`Feed` and `FeedEntry` are this package's models. `KeywordRule` belongs to `casesys.inbound`;
its registration is skipped if that app already registered it, so there is never a double
registration.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casesys.inbound.models import KeywordRule
from integrations.feeds.models import Feed, FeedEntry


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "url",
        "keyword_rule",
        "department",
        "interval_minutes",
        "active",
        "last_status",
        "failures",
        "last_polled_at",
        "next_poll_at",
    )
    list_filter = ("active", "last_status")
    search_fields = ("name", "url")
    readonly_fields = ("etag", "last_modified", "last_polled_at", "last_status", "last_error", "failures")
    fieldsets = (
        (None, {"fields": ("name", "url", "keyword_rule", "department", "interval_minutes", "active")}),
        (
            _("輪詢狀態 / Polling status"),
            {"fields": ("last_status", "last_error", "failures", "last_polled_at", "next_poll_at", "etag", "last_modified")},
        ),
    )
    actions = ["poll_now"]

    @admin.action(description=_("立即輪詢 / Poll at the next minute"))
    def poll_now(self, request, queryset):
        count = queryset.update(next_poll_at=timezone.now())
        messages.info(request, _("%(n)d 個來源將於下一分鐘輪詢 / feed(s) will be polled within a minute") % {"n": count})


class KeywordRuleAdmin(admin.ModelAdmin):
    list_display = ("phrase", "category", "department", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("phrase",)


if not admin.site.is_registered(KeywordRule):
    admin.site.register(KeywordRule, KeywordRuleAdmin)


@admin.register(FeedEntry)
class FeedEntryAdmin(admin.ModelAdmin):
    list_display = ("title", "feed", "published_at", "first_seen_at", "lead")
    list_filter = ("feed",)
    search_fields = ("title", "link")
    readonly_fields = ("feed", "key", "title", "link", "published_at", "first_seen_at", "lead")
