"""Process stored Facebook page events: posts and comments matching a keyword rule → leads."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import InboundEvent
from casesys.inbound.services import inbound_event_store, lead_record
from integrations.facebook.parser import PageChange, parse_changes, parse_stored

log = logging.getLogger(__name__)

PROVIDER = "facebook"
LEAD_ITEMS = {"post", "status", "photo", "video", "share", "comment"}


def facebook_payload_store(*, payload: dict) -> list[InboundEvent]:
    """Store each change of a verified payload once; returns the newly stored events."""
    new: list[InboundEvent] = []
    for change in parse_changes(payload):
        event, created = inbound_event_store(
            provider=PROVIDER,
            external_id=change.external_id,
            payload={"page_id": change.page_id, "field": change.field, "value": change.value},
            event_type=f"{change.field}.{change.item}.{change.verb}"[:60],
            occurred_at=change.created_time,
        )
        if created:
            new.append(event)
    return new


def _finish(event: InboundEvent, status: str, error: str = "") -> None:
    event.status = status
    event.error = error
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "processed_at", "attempts"])


def facebook_event_process(*, event_id: int) -> InboundEvent | None:
    """Idempotent: an event already processed or ignored is left alone; leads are unique per object."""
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id, provider=PROVIDER).first()
        if event is None or event.status != InboundEvent.Status.PENDING:
            return event
        event.attempts += 1
        changes = parse_stored(event.payload)
        if not changes:
            _finish(event, InboundEvent.Status.FAILED, "無法解析 / Unreadable change")
            return event
        change: PageChange = changes[0]
        if change.field != "feed" or change.item not in LEAD_ITEMS:
            _finish(event, InboundEvent.Status.IGNORED, f"不處理的類型 / Not a post or comment: {change.field}.{change.item}")
            return event
        if change.verb not in ("add", "edited"):
            _finish(event, InboundEvent.Status.IGNORED, f"不處理的動作 / Verb {change.verb}")
            return event
        # The agency's own posts are not opinion to gather; comments on them are.
        if change.sender_id and change.sender_id == change.page_id:
            _finish(event, InboundEvent.Status.IGNORED, "粉絲專頁自己的貼文 / The page's own post")
            return event
        if not change.message.strip():
            _finish(event, InboundEvent.Status.IGNORED, "沒有文字 / No text")
            return event
        rule = match_keywords(change.message)
        if rule is None:
            _finish(event, InboundEvent.Status.IGNORED, "未符合關鍵字 / No keyword matched")
            return event
        lead_record(
            source=PROVIDER,
            # One lead per post/comment: a later edit of the same object does not add another.
            external_id=f"{change.item}:{change.object_id}",
            text=change.message,
            occurred_at=change.created_time or event.received_at,
            reason="keyword",
            rule=rule,
            sender_id=change.sender_id[:100],
            sender_name=change.sender_name[:200],
            url=change.url[:500],
            raw=event.payload,
        )
        _finish(event, InboundEvent.Status.PROCESSED)
        return event
