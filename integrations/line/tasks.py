from __future__ import annotations

from celery import shared_task

from integrations.common.processing import process_inbound_event


@shared_task(name="integrations.line.tasks.process_line_event")
def process_line_event(event_id: int) -> str:
    """Process one stored LINE event (idempotent: a processed event is skipped).

    Webhooks now wake `drain_inbound_events` instead; this task stays registered so messages
    queued by an earlier release are still consumed during an upgrade, and for manual reruns.
    """
    return process_inbound_event(event_id, provider="line")
