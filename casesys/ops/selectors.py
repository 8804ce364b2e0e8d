"""What the operations page shows: the outbox and inbound pipeline per channel, this month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from casesys.common import channels


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    label: str
    configured: bool
    sent_month: int
    confirmed_month: int
    failed_month: int
    pending: int


@dataclass(frozen=True)
class InboundRow:
    provider: str
    label: str
    pending: int
    failed: int


def month_start(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def outbox_by_channel(*, now: dt.datetime | None = None) -> list[ChannelRow]:
    """Per delivery channel (built-in and registry): delivered, confirmed and failed since the
    first of the month, and waiting now. The failed count is by creation month (a failed row
    has no send time)."""
    from casesys.notifications.models import Notification
    from casesys.notifications.transports import get_transport

    Status = Notification.Status
    start = month_start(now or timezone.now())
    names = [name for name, _ in channels.notification_choices()]
    stats = {
        row["channel"]: row
        for row in Notification.objects.filter(channel__in=names)
        .filter(Q(status__in=[Status.PENDING, Status.SENDING]) | Q(created_at__gte=start) | Q(sent_at__gte=start))
        .values("channel")
        .annotate(
            sent=Count("id", filter=Q(status=Status.SENT, sent_at__gte=start)),
            confirmed=Count("id", filter=Q(confirmed_at__gte=start)),
            failed=Count("id", filter=Q(status=Status.FAILED, created_at__gte=start)),
            pending=Count("id", filter=Q(status__in=[Status.PENDING, Status.SENDING])),
        )
    }
    rows = []
    for name in names:
        try:
            configured = get_transport(name).is_configured()
        except Exception:  # noqa: BLE001 - a broken path shows as "not configured", the check names it
            configured = False
        s = stats.get(name, {})
        rows.append(
            ChannelRow(
                channel=name,
                label=str(channels.label(name)),
                configured=configured,
                sent_month=s.get("sent", 0),
                confirmed_month=s.get("confirmed", 0),
                failed_month=s.get("failed", 0),
                pending=s.get("pending", 0),
            )
        )
    return rows


def inbound_by_provider() -> list[InboundRow]:
    from casesys.inbound.models import InboundEvent

    Status = InboundEvent.Status
    counts = {
        row["provider"]: row
        for row in InboundEvent.objects.filter(status__in=[Status.PENDING, Status.FAILED])
        .values("provider")
        .annotate(
            pending=Count("id", filter=Q(status=Status.PENDING)), failed=Count("id", filter=Q(status=Status.FAILED))
        )
    }
    providers = list(dict.fromkeys([*channels.processor_paths(), *counts]))
    return [
        InboundRow(
            provider=p,
            label=str(channels.label(p)),
            pending=counts.get(p, {}).get("pending", 0),
            failed=counts.get(p, {}).get("failed", 0),
        )
        for p in providers
    ]
