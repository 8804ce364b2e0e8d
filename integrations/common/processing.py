"""Processing one stored inbound event exactly once.

`process_inbound_event` claims the pending row (`SELECT … FOR UPDATE SKIP LOCKED`), lets
the provider's processor do its writes, and marks the row processed/ignored/failed, all in
one transaction. A processor with a `prepare(event)` method (the chat engine,
`integrations.common.conversation.ChatProcessor`) first gets the event outside any
transaction for its slow network calls (a media download): nothing is locked while it
waits, and what it returns is handed to `processor(event, prepared)` inside the
transaction. Side effects that must not repeat (a chat reply) are registered by the
handler as after-commit callbacks, so they run only in the run that actually moved the
event out of `pending`: a task delivered twice, or a task racing the sweep, replies once.

A handler exception rolls everything back and leaves the event pending for the sweep,
with the error recorded; after `MAX_ATTEMPTS` it is marked failed for an administrator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from casesys.common.channels import processor_paths
from casesys.inbound.models import InboundEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# provider → its "processor" in settings.CASESYS_CHANNELS (casesys.common.channels.processor_paths):
# `processor(event) -> Outcome`, or an object with `prepare(event)` (run before the
# transaction) and `processor(event, prepared) -> Outcome`.

Status = InboundEvent.Status


@dataclass
class Outcome:
    status: str = Status.PROCESSED
    reason: str = ""
    # Run after the commit, each on its own (an exception is logged, never raised).
    after_commit: list[Callable[[], Any]] = field(default_factory=list)
    # Replace the stored payload (e.g. chatter text redacted once known to be irrelevant).
    payload: Any = None

    @classmethod
    def ignored(cls, reason: str, **kwargs: Any) -> Outcome:
        return cls(status=Status.IGNORED, reason=reason, **kwargs)

    @classmethod
    def failed(cls, reason: str, **kwargs: Any) -> Outcome:
        return cls(status=Status.FAILED, reason=reason, **kwargs)


def _safe(callback: Callable[[], Any]) -> None:
    try:
        callback()
    except Exception:  # noqa: BLE001 - a failed reply must not undo the committed processing
        logger.exception("after-commit action failed")


def process_inbound_event(event_id: int, *, provider: str | None = None) -> str:
    """Process one event if it is still pending; returns what happened."""
    try:
        pending = InboundEvent.objects.filter(pk=event_id, status=Status.PENDING)
        if provider:
            pending = pending.filter(provider=provider)
        peek = pending.first()
        path = processor_paths().get(peek.provider) if peek is not None else None
        if path is None:
            return "skipped"
        processor = import_string(path)
        prepare = getattr(processor, "prepare", None)
        # Outside the transaction: a slow download must not hold the row lock. Should another
        # run claim the event meanwhile, the claim below skips it and this work is dropped.
        prepared = prepare(peek) if prepare is not None else None
        with transaction.atomic():
            event = pending.select_for_update(skip_locked=True).first()
            if event is None:
                return "skipped"
            outcome: Outcome = processor(event, prepared) if prepare is not None else processor(event)
            event.status = outcome.status
            event.error = (outcome.reason or "")[:4000]
            event.attempts += 1
            event.processed_at = timezone.now()
            fields = ["status", "error", "attempts", "processed_at"]
            if outcome.payload is not None:
                event.payload = outcome.payload
                fields.append("payload")
            event.save(update_fields=fields)
            for callback in outcome.after_commit:
                transaction.on_commit(lambda cb=callback: _safe(cb))
            return event.status
    except ValidationError as exc:
        # The content itself is unacceptable (e.g. a field the case model refuses): retrying
        # cannot help, so it goes straight to the administrators' list with the reason.
        logger.warning("inbound event %s refused: %s", event_id, exc)
        _record_error(event_id, exc, permanent=True)
        return Status.FAILED
    except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by the sweep
        logger.exception("inbound event %s could not be processed", event_id)
        _record_error(event_id, exc)
        return "error"


def _record_error(event_id: int, exc: Exception, *, permanent: bool = False) -> None:
    message = f"{type(exc).__name__}: {exc}"[:4000]
    with transaction.atomic():
        InboundEvent.objects.filter(pk=event_id, status=Status.PENDING).update(attempts=F("attempts") + 1, error=message)
        limit = 0 if permanent else MAX_ATTEMPTS
        InboundEvent.objects.filter(pk=event_id, status=Status.PENDING, attempts__gte=limit).update(
            status=Status.FAILED, processed_at=timezone.now()
        )


def pending_event_ids(*, older_than_seconds: int = 60, limit: int = 500, providers: list[str] | None = None) -> list[int]:
    """Pending events old enough that their own task should have run (oldest first)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        InboundEvent.objects.filter(
            status=Status.PENDING,
            provider__in=providers or list(processor_paths()),
            received_at__lte=cutoff,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@dataclass
class DrainResult:
    counts: dict[str, int] = field(default_factory=dict)
    # Stopped for time with events possibly left: the caller wakes another drain.
    more: bool = False


def drain_pending_events(provider: str, *, limit: int = 200, time_budget: float = 50.0) -> DrainResult:
    """Process the provider's pending events, oldest first, until none is left or the time
    budget is spent.

    Run after a coalesced wake-up (`integrations.common.webhook.wake_processing`). Each event
    is claimed on its own (SKIP LOCKED), so two drains, or a drain and the sweep, walking
    the same rows never process one twice. The walk is keyset-paginated on (received_at,
    id): an event that fails stays pending behind the cursor for the sweep's back-off and
    never hides the events after it.
    """
    result = DrainResult()
    started = time.monotonic()
    after: tuple | None = None
    while True:
        pending = InboundEvent.objects.filter(status=Status.PENDING, provider=provider, attempts__lt=MAX_ATTEMPTS)
        if after is not None:
            pending = pending.filter(Q(received_at__gt=after[0]) | Q(received_at=after[0], id__gt=after[1]))
        batch = list(pending.order_by("received_at", "id").values_list("id", "received_at")[:limit])
        if not batch:
            return result
        for event_id, received_at in batch:
            outcome = process_inbound_event(event_id, provider=provider)
            result.counts[outcome] = result.counts.get(outcome, 0) + 1
            after = (received_at, event_id)
            if time.monotonic() - started >= time_budget:
                result.more = True
                return result
