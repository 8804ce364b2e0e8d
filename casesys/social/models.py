"""Who receives the daily digest of new leads (輿情摘要): administrator data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadDigestSubscription(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_digest", verbose_name=_("收件人 / recipient")
    )
    # Empty list = every source.
    sources = models.JSONField(
        _("來源 / sources"), default=list, blank=True, help_text="來源代碼（見 CASESYS_CHANNELS 的 lead_source），空白表示全部 / source codes (lead_source channels in CASESYS_CHANNELS); empty = all"
    )
    active = models.BooleanField(_("啟用 / active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("輿情摘要訂閱 / lead digest subscription")
        verbose_name_plural = _("輿情摘要訂閱 / lead digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user} ({', '.join(self.sources) or 'all'})"
