from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def process_facebook_event(self, event_id: int) -> str:
    from integrations.facebook.services import facebook_event_process

    event = facebook_event_process(event_id=event_id)
    return event.status if event else "missing"


@shared_task
def sweep_facebook_events() -> int:
    """Beat: process events whose task was lost (broker down when the webhook answered)."""
    from casesys.inbound.models import InboundEvent
    from integrations.facebook.services import facebook_event_process

    cutoff = timezone.now() - dt.timedelta(minutes=2)
    ids = list(
        InboundEvent.objects.filter(provider="facebook", status="pending", received_at__lt=cutoff, attempts__lt=5)
        .order_by("received_at")
        .values_list("id", flat=True)[:500]
    )
    for event_id in ids:
        facebook_event_process(event_id=event_id)
    return len(ids)
