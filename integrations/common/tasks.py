"""Periodic sweep: process inbound events whose own task never ran (broker down, worker lost)."""

from __future__ import annotations

from celery import shared_task

from casesys.common.publish import coalesced_started, publish_coalesced
from integrations.common.processing import (
    drain_pending_events,
    pending_event_ids,
    process_inbound_event,
)


@shared_task(name="integrations.common.tasks.sweep_inbound_events")
def sweep_inbound_events(older_than_seconds: int = 60, limit: int = 500) -> dict[str, int]:
    """Process pending connector events (every channel with a "processor" in CASESYS_CHANNELS) older than
    `older_than_seconds`, oldest first.

    Events are processed in place (not re-published): the sweep exists for when publishing
    failed, and each event is claimed with SKIP LOCKED, so it never doubles a running task.
    """
    counts: dict[str, int] = {}
    for event_id in pending_event_ids(older_than_seconds=older_than_seconds, limit=limit):
        result = process_inbound_event(event_id)
        counts[result] = counts.get(result, 0) + 1
    return counts


@shared_task(name="integrations.common.tasks.drain_inbound_events")
def drain_inbound_events(provider: str) -> dict[str, int]:
    """Process a provider's pending events after a webhook's coalesced wake-up."""
    from integrations.common.webhook import wake_key

    # Before reading: a request that stores an event after this line publishes a new drain.
    coalesced_started(wake_key(provider))
    result = drain_pending_events(provider)
    if result.more:
        # A backlog (after an outage, say) keeps draining without waiting for new events.
        publish_coalesced(drain_inbound_events, key=wake_key(provider), args=(provider,))
    return {**result.counts, "more": int(result.more)}
