"""Turn one stored Facebook page change into a lead (or say why not).

Called by `integrations.common.processing.process_inbound_event`, which claims the event,
runs this handler and records the `Outcome` in one transaction — the same pipeline as LINE
and Telegram. Facebook gets no reply from casesys (the page is read, never written), so the
handler registers no after-commit actions.
"""

from __future__ import annotations

from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import InboundEvent
from casesys.inbound.services import lead_record
from integrations.common.processing import Outcome
from integrations.facebook.parser import parse_stored

PROVIDER = "facebook"
LEAD_ITEMS = {"post", "status", "photo", "video", "share", "comment"}
LEAD_VERBS = {"add", "edited"}


def handle_event(event: InboundEvent) -> Outcome:
    """Posts and comments matching a keyword rule become leads, one per post or comment."""
    changes = parse_stored(event.payload if isinstance(event.payload, dict) else {})
    if not changes:
        return Outcome.failed("無法解析 / Unreadable change")
    change = changes[0]
    if change.field != "feed" or change.item not in LEAD_ITEMS:
        return Outcome.ignored(f"不處理的類型 / Not a post or comment: {change.field}.{change.item}")
    if change.verb not in LEAD_VERBS:
        return Outcome.ignored(f"不處理的動作 / Verb {change.verb}")
    # The agency's own posts are not opinion to gather; comments on them are.
    if change.sender_id and change.sender_id == change.page_id:
        return Outcome.ignored("粉絲專頁自己的貼文 / The page's own post")
    if not change.message.strip():
        return Outcome.ignored("沒有文字 / No text")
    rule = match_keywords(change.message)
    if rule is None:
        return Outcome.ignored("未符合關鍵字 / No keyword matched")
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
    return Outcome()
