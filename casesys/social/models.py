"""Public opinion (輿情): who receives the digest and the daily report, the duty roster, alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    # The daily 輿情 report (e-mail with an HTML body and an XLSX) besides the digest.
    daily_report = models.BooleanField(
        _("每日輿情報告 / daily opinion report"), default=False,
        help_text=_("另寄每日輿情報告（HTML 郵件附 XLSX）/ Also send the daily opinion report (HTML e-mail with an XLSX)"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("輿情摘要訂閱 / lead digest subscription")
        verbose_name_plural = _("輿情摘要訂閱 / lead digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user} ({', '.join(self.sources) or 'all'})"


class DutyShift(models.Model):
    """Who is the supervisor on duty when (輿情值班): administrator data.

    A lead that names a case or matches an overdue case alerts whoever's shift covers that
    moment, at once, day or night; with nobody on duty, the supervisors of the case's
    department. Shifts may overlap (every one on duty is alerted).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("值班人員 / on duty")
    )
    starts_at = models.DateTimeField(_("開始 / starts"))
    ends_at = models.DateTimeField(_("結束 / ends"))
    note = models.CharField(_("備註 / note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="duty_shift_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start"),
        ]
        verbose_name = _("輿情值班 / duty shift")
        verbose_name_plural = _("輿情值班表 / duty roster")

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": [_("結束須晚於開始 / The end must be after the start")]})


class LeadAlert(models.Model):
    """A lead about an existing case: it names the case's number, or matches an open overdue
    case. One per (lead, case); the row is the proof the alert was queued."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("提及案號 / Names the case number")
        OVERDUE_MATCH = "overdue_match", _("相符之逾期案件 / Matches an overdue case")

    lead = models.ForeignKey("inbound.Lead", on_delete=models.CASCADE, related_name="alerts")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="lead_alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    why = models.CharField(max_length=200, blank=True)  # what matched: "place", "keywords"
    recipients = models.JSONField(default=list, blank=True)  # user ids alerted
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["lead", "case"], name="lead_alert_unique")]
        verbose_name = _("輿情警示 / lead alert")
        verbose_name_plural = _("輿情警示 / lead alerts")

    def __str__(self) -> str:
        return f"lead {self.lead_id} → {self.case_id} ({self.kind})"
