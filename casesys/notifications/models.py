"""The notification outbox: what must be sent, to whom, through which channel.

Rows are written in the same transaction as the fact they announce (a transition, a
reminder), so a notification exists if and only if its cause committed. A sender task
claims due rows (`FOR UPDATE SKIP LOCKED`), delivers them through the channel's
transport and records the outcome.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    """The delivery channels the core implements; connectors add theirs through
    `settings.CASESYS_CHANNELS` (`notification_channel_choices`)."""

    EMAIL = "email", _("電子郵件 / E-mail")
    INAPP = "inapp", _("站內通知 / In-app")


def notification_channel_choices() -> list[tuple[str, str]]:
    from casesys.common.channels import notification_choices

    return notification_choices()


class Notification(models.Model):
    class Priority(models.IntegerChoices):
        # Lower sorts first. A citizen's notice (the acknowledgement carries the case password)
        # must not wait behind a backlog of staff reminders and digests.
        CITIZEN = 0, _("市民通知 / Citizen notice")
        STAFF = 1, _("內部通知 / Staff message")

    class Status(models.TextChoices):
        PENDING = "pending", _("待送 / Pending")
        SENDING = "sending", _("傳送中 / Sending")
        SENT = "sent", _("已送達 / Sent")
        FAILED = "failed", _("失敗 / Failed")

    # Stable id handed to transports as an idempotency key (e.g. LINE's X-Line-Retry-Key).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Optional business de-duplication key (e.g. "ack:CS-1151122-00001"); unique when set.
    dedupe_key = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=10, choices=notification_channel_choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Address on the channel: an e-mail address, or a connector's (chat id, mobile number…).
    recipient_address = models.CharField(max_length=320, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    template = models.CharField(max_length=60)
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Staff reminders, escalations and digests wait for office hours (working day, 08:30–17:30);
    # citizen acknowledgements do not.
    office_hours_only = models.BooleanField(default=False)
    # Staff messages: the in-app row is the message, and delivering it queues a copy by e-mail
    # to the user's address at that moment. One row per recipient at enqueue time halves what
    # the deadline scan writes, and a changed or removed address is respected.
    email_copy = models.BooleanField(default=False)
    # Which rows the sweep claims first and which Celery queue their send task takes
    # (docs/workers.md, "Priority"). The default is staff: the deadline scan's bulk insert
    # takes it from the model.
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.STAFF)
    # The channel's own id for the message (an SMS gateway's msgid), returned by the transport,
    # so that the channel's later delivery report finds the row.
    external_id = models.CharField(max_length=100, blank=True)
    # The channel confirmed delivery to the person (SMS delivery report); sent_at is when the
    # channel accepted it.
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sender only ever looks at undelivered rows, citizen notices first.
            models.Index(
                fields=["priority", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notif_due_outbox_priority",
            ),
            models.Index(
                fields=["recipient_user", "-created_at"], condition=Q(channel="inapp"), name="notif_inapp_user"
            ),
            models.Index(fields=["channel", "external_id"], condition=~Q(external_id=""), name="notif_external_id"),
            # Messages per connector channel and month (/metrics, the operations page): SMS costs money.
            models.Index(fields=["channel", "sent_at"], condition=Q(status="sent"), name="notif_channel_sent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="notif_unique_dedupe"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.template} → {self.recipient_address or self.recipient_user_id} [{self.status}]"


class ContactTask(models.Model):
    """A notice the petitioner must get by phone or letter: they left no electronic route.

    Created instead of an outbox row when `citizen_route` finds no channel, shown on the case
    page and in the handling officer's queue, and marked done by the officer who called or
    wrote. Its text is the rendered notice, so the officer reads out or mails what others get.
    """

    class Method(models.TextChoices):
        CALL = "call", _("電話 / Call")
        LETTER = "letter", _("書面 / Letter")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="contact_tasks")
    template = models.CharField(max_length=60)
    dedupe_key = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # The route the petitioner left (phone, postal address) decides what the task suggests.
    suggested_method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="contact_task_unique_dedupe"),
        ]
        indexes = [models.Index(fields=["case"], condition=Q(done_at__isnull=True), name="contact_task_open_case")]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
