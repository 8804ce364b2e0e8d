from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from casesys.cases.addresses import contact_opt_in, contact_opt_out
from casesys.cases.models import (
    Case,
    CaseEvent,
    Category,
    ChannelDeadlineRule,
    ContactAddress,
    ExtensionRequest,
    IdentitySearch,
    Urgency,
)
from casesys.common.channels import masker


@admin.register(Urgency)
class UrgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "rank", "sla_unit", "sla_value")


class ChannelDeadlineRuleInline(admin.TabularInline):
    # Per-channel deadlines for this category; an urgency may still only shorten them.
    model = ChannelDeadlineRule
    extra = 0
    fields = ("channel", "sla_unit", "sla_value")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "department", "sla_unit", "sla_value", "public", "survey_exempt", "active")
    list_filter = ("public", "survey_exempt", "active", "sla_unit")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent", "department")
    inlines = [ChannelDeadlineRuleInline]


@admin.register(ChannelDeadlineRule)
class ChannelDeadlineRuleAdmin(admin.ModelAdmin):
    # Rows without a category apply to every category of that channel that has no row of its own.
    list_display = ("channel", "category", "sla_unit", "sla_value")
    list_filter = ("channel", "sla_unit")
    search_fields = ("category__code", "category__name")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_state", "to_state", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # Read-only in the admin: state changes must go through the audited workflow services.
    list_display = ("number", "subject", "state", "category", "department", "assignee", "received_at", "due_at")
    list_filter = ("state", "channel", "urgency")
    search_fields = ("number", "subject")
    list_select_related = ("category", "department", "assignee")
    show_full_result_count = False
    inlines = [CaseEventInline]
    exclude = ("password_hash", "petitioner", "co_petitioners", "related")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ("case", "days", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ContactAddress)
class ContactAddressAdmin(admin.ModelAdmin):
    """Opting an address out (a citizen asked by phone not to get SMS) or back in. Addresses
    are personal data: listed masked, found only by the exact address."""

    list_display = ("channel", "masked_address", "verified", "opted_out", "opted_out_at", "created_at")
    list_filter = ("channel", "opted_out", "verified")
    search_fields = ("=address",)
    actions = ("opt_out", "opt_in")
    fields = ("channel", "masked_address", "verified", "opted_out", "opted_out_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("位址 / address"))
    def masked_address(self, obj: ContactAddress) -> str:
        return masker(obj.channel)(obj.address)

    @admin.action(description=_("退訂：不再以此管道通知 / Opt out: stop messaging these addresses"))
    def opt_out(self, request, queryset):
        changed = sum(contact_opt_out(channel=c, address=a) for c, a in set(queryset.values_list("channel", "address")))
        self.message_user(request, _("已退訂 %(n)d 筆 / %(n)d opted out") % {"n": changed})

    @admin.action(description=_("恢復通知 / Opt back in"))
    def opt_in(self, request, queryset):
        changed = sum(contact_opt_in(channel=c, address=a) for c, a in set(queryset.values_list("channel", "address")))
        self.message_user(request, _("已恢復 %(n)d 筆 / %(n)d opted back in") % {"n": changed})


@admin.register(IdentitySearch)
class IdentitySearchAdmin(admin.ModelAdmin):
    """Searches by personal data (casesys.cases.staff_search): read-only, the terms masked."""

    list_display = ("at", "actor", "source", "fields", "masked_terms", "result_count")
    list_filter = ("source",)
    search_fields = ("actor__username", "digests")
    list_select_related = ("actor",)
    readonly_fields = ("actor", "at", "source", "fields", "masked_terms", "digests", "result_count", "case_numbers")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
