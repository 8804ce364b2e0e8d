from __future__ import annotations

from celery import shared_task

from integrations.common.processing import process_inbound_event


@shared_task(name="integrations.telegram.tasks.process_telegram_update")
def process_telegram_update(event_id: int) -> str:
    """Process one stored Telegram update (idempotent: a processed update is skipped).

    Webhooks now wake `drain_inbound_events` instead; this task stays registered so messages
    queued by an earlier release are still consumed during an upgrade, and for manual reruns.
    """
    return process_inbound_event(event_id, provider="telegram")
