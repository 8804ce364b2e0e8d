"""Inbound events from connectors, chat groups, keyword rules and the leads triage queue.

Connectors (in `integrations/`) store each verified webhook event here before answering,
with a unique (provider, external_id), then process it in a task. Nothing is dropped: an
event that cannot be understood keeps its payload and the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待處理 / Pending")
        PROCESSED = "processed", _("已處理 / Processed")
        IGNORED = "ignored", _("略過 / Ignored")
        FAILED = "failed", _("無法處理 / Failed")

    provider = models.CharField(max_length=20)  # a channel of settings.CASESYS_CHANNELS
    external_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=60, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Why the event was ignored or failed (shown to administrators); empty when processed.
    error = models.TextField(blank=True)
    # Envelope facts that are not part of the event itself (LINE: the body's `destination`).
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="inbound_unique_external"),
        ]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(status="pending"), name="inbound_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id} [{self.status}]"


class ChatGroup(models.Model):
    """A LINE group/room or Telegram group the bot is a member of."""

    provider = models.CharField(max_length=20)
    group_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, default="group")  # group, room, supergroup
    name = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.SET_NULL)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "group_id"], name="chatgroup_unique")]

    def __str__(self) -> str:
        return self.name or f"{self.provider}:{self.group_id}"


class KeywordRule(models.Model):
    """Administrator data: a phrase that turns matching chatter/posts/feed items into leads."""

    phrase = models.CharField(_("關鍵字 / phrase"), max_length=100)
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.SET_NULL)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("關鍵字規則 / keyword rule")
        verbose_name_plural = _("關鍵字規則 / keyword rules")

    def __str__(self) -> str:
        return self.phrase


class Lead(models.Model):
    """Something worth a look that is not (yet) a case: triaged by officers."""

    class Status(models.TextChoices):
        NEW = "new", _("待分類 / New")
        CONVERTED = "converted", _("已立案 / Converted")
        DISMISSED = "dismissed", _("不處理 / Dismissed")

    # A channel of settings.CASESYS_CHANNELS. What the lead came from beyond that (a feed, a
    # page) is the connector's business: e.g. integrations.feeds' FeedEntry points at its lead.
    source = models.CharField(max_length=20)
    external_id = models.CharField(max_length=200)
    group = models.ForeignKey(ChatGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    sender_id = models.CharField(max_length=100, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    matched_rule = models.ForeignKey(KeywordRule, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=20, blank=True)  # mention, hashtag, keyword, command
    suggested_category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggested_department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.TextField(blank=True)
    raw = models.JSONField(default=dict, blank=True)
    # The response clock (輿情): the first triage (convert or dismiss, `decided_at`) is due by
    # `triage_due_at`, set when the lead is recorded (casesys.inbound.triage); whether it was
    # met is kept once decided. Leads from before the clock have none.
    triage_due_at = models.DateTimeField(_("分類期限 / triage due"), null=True, blank=True)
    triaged_on_time = models.BooleanField(_("依限分類 / triaged on time"), null=True, blank=True)
    # When the lead was checked for case numbers and overdue cases (casesys.social.alerts);
    # empty: not yet (the lead-clock scan picks up what a lost task left).
    alerts_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="lead_unique_source")]
        indexes = [
            models.Index(fields=["status", "-occurred_at"], name="lead_status_time"),
            # The triage queue and the lead-clock scan: untriaged leads by deadline.
            models.Index(fields=["triage_due_at"], condition=Q(status="new"), name="lead_new_triage_due"),
            models.Index(fields=["created_at"], condition=Q(alerts_checked_at__isnull=True), name="lead_alerts_unchecked"),
            models.Index(fields=["decided_at"], name="lead_decided_at"),
            models.Index(fields=["created_at"], name="lead_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.text[:30]}"

    @property
    def triage_overdue(self) -> bool:
        return self.status == self.Status.NEW and self.triage_due_at is not None and timezone.now() > self.triage_due_at


class LeadReminder(models.Model):
    """Proof that a lead's triage reminder (`kind`: due_soon, overdue) was sent: unique per
    lead and kind, inserted by the lead-clock scan with ON CONFLICT DO NOTHING, so each is
    sent once however many scans run."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即將到期 / Due soon")
        OVERDUE = "overdue", _("已逾期 / Overdue")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_for = models.DateTimeField()
    recipients = models.JSONField(default=list, blank=True)  # user ids notified
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["lead", "kind"], name="lead_reminder_unique")]
        verbose_name = _("線索提醒紀錄 / lead reminder")
        verbose_name_plural = _("線索提醒紀錄 / lead reminders")

    def __str__(self) -> str:
        return f"lead {self.lead_id} {self.kind}"
