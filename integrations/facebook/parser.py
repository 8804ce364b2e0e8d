"""Turn a Facebook page webhook payload into one item per change (post or comment).

Page subscriptions to the `feed` field deliver
`{"object": "page", "entry": [{"id": PAGE_ID, "time": …, "changes": [{"field": "feed",
"value": {"item": "post"|"comment"|…, "verb": "add"|"edited"|"remove", "post_id", "comment_id",
"message", "from": {"id", "name"}, "created_time", "permalink_url"}}]}]}`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from casesys.common import jsonsafe


@dataclass(frozen=True)
class PageChange:
    page_id: str
    field: str
    item: str
    verb: str
    object_id: str  # comment id for comments, post id otherwise
    post_id: str
    message: str
    sender_id: str
    sender_name: str
    created_time: dt.datetime | None
    permalink: str
    value: dict[str, Any]

    @property
    def external_id(self) -> str:
        """Same delivery twice → same id (dedupe); an edit has new content → a new id."""
        digest = hashlib.sha256(jsonsafe.digest_bytes(self.value)).hexdigest()[:16]
        return f"{self.page_id}:{self.item}:{self.object_id}:{self.verb}:{digest}"[:200]

    @property
    def url(self) -> str:
        if self.permalink:
            return self.permalink
        target = self.object_id if self.item == "comment" else self.post_id
        return f"https://www.facebook.com/{target}" if target else ""


def _time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or str(value).isdigit():
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(str(value).replace("+0000", "+00:00"))
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_changes(payload: Any) -> list[PageChange]:
    """Every change in the payload; anything malformed is skipped, never raised."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return []
    out: list[PageChange] = []
    entries = payload.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        page_id = str(entry.get("id") or "")
        changes = entry.get("changes")
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                continue
            value = change["value"]
            sender = value.get("from") if isinstance(value.get("from"), dict) else {}
            item = str(value.get("item") or "")
            post_id = str(value.get("post_id") or "")
            object_id = str(value.get("comment_id") or "") if item == "comment" else post_id
            out.append(
                PageChange(
                    page_id=page_id,
                    field=str(change.get("field") or ""),
                    item=item,
                    verb=str(value.get("verb") or ""),
                    object_id=object_id or post_id,
                    post_id=post_id,
                    message=str(value.get("message") or ""),
                    sender_id=str(sender.get("id") or ""),
                    sender_name=str(sender.get("name") or ""),
                    created_time=_time(value.get("created_time")),
                    permalink=str(value.get("permalink_url") or ""),
                    value=value,
                )
            )
    return out


def parse_stored(stored: dict[str, Any]) -> list[PageChange]:
    """The change kept in an InboundEvent payload (`page_id`, `field`, `value`)."""
    entry = {"id": stored.get("page_id"), "changes": [{"field": stored.get("field"), "value": stored.get("value")}]}
    return parse_changes({"object": "page", "entry": [entry]})
