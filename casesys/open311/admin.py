from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from casesys.open311.models import PartnerApp
from casesys.open311.services import partner_key_rotate


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "key_hint", "active", "requests_created", "last_used_at", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "organisation", "contact_email")
    readonly_fields = ("key_hint", "requests_created", "last_used_at", "created_at")
    actions = ["rotate_key"]

    def save_model(self, request, obj, form, change):
        if not change:
            # The key exists only in this message: the database keeps its hash.
            key = obj.set_new_key()
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("請立即複製，此金鑰不會再顯示 / Copy it now, it is not shown again: api_key = %(key)s") % {"key": key},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("重新核發金鑰 / Issue a new api_key"))
    def rotate_key(self, request, queryset):
        for app in queryset:
            key = partner_key_rotate(app=app)
            messages.warning(request, f"{app.name}: api_key = {key}")
