from __future__ import annotations

from django.contrib import admin

from casesys.social.models import LeadDigestSubscription


@admin.register(LeadDigestSubscription)
class LeadDigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "sources", "active", "created_at")
    list_filter = ("active",)
    raw_id_fields = ("user",)
