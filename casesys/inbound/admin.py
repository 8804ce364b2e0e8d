from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from casesys.inbound.models import ChatGroup, InboundEvent, KeywordRule, Lead, LeadReminder
from casesys.inbound.services import inbound_event_requeue


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "external_id", "status", "attempts", "reason"]
    list_filter = ["status", "provider", "event_type"]
    search_fields = ["external_id", "error"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "provider", "external_id", "event_type", "received_at", "occurred_at", "status", "attempts",
        "processed_at", "error", "meta", "pretty_payload",
    ]
    exclude = ["payload"]
    actions = ["requeue"]

    @admin.display(description=_("原因 / reason"))
    def reason(self, obj: InboundEvent) -> str:
        return (obj.error or "")[:120]

    @admin.display(description=_("內容 / payload"))
    def pretty_payload(self, obj: InboundEvent):
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    @admin.action(description=_("重新處理 / Process again (by the next sweep)"))
    def requeue(self, request, queryset):
        for event in queryset:
            inbound_event_requeue(event=event)
        messages.info(request, f"{queryset.count()} 筆事件將重新處理 / events queued again")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ChatGroup)
class ChatGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "kind", "group_id", "department", "active", "joined_at", "left_at"]
    list_filter = ["provider", "kind", "active"]
    search_fields = ["name", "group_id"]
    list_editable = ["department"]
    readonly_fields = ["provider", "group_id", "kind", "joined_at", "left_at"]


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    list_display = ["phrase", "category", "department", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["phrase"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at", "source", "group", "sender_name", "short_text", "reason", "status", "triage_due_at",
        "triaged_on_time", "case",
    ]
    list_filter = ["status", "source", "reason"]
    search_fields = ["text", "sender_name", "external_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [
        "source", "external_id", "group", "sender_id", "sender_name", "text", "url", "occurred_at",
        "created_at", "matched_rule", "reason", "status", "case", "decided_by", "decided_at", "raw",
        "triage_due_at", "triaged_on_time", "alerts_checked_at",
    ]

    @admin.display(description=_("內容 / text"))
    def short_text(self, obj: Lead) -> str:
        return obj.text[:60]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LeadReminder)
class LeadReminderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "lead", "kind", "due_for", "recipients"]
    list_filter = ["kind"]
    raw_id_fields = ["lead"]
    readonly_fields = ["lead", "kind", "due_for", "recipients", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
