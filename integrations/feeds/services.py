"""Poll RSS/Atom feeds (news sites, PTT boards) and turn matching entries into leads.

- Conditional requests: the stored ETag / Last-Modified go out as If-None-Match /
  If-Modified-Since; a 304 costs nothing else.
- Each entry is examined once (`FeedEntry`, unique per feed and entry key); a lead is
  created once per entry (`Lead` is unique per source and external id).
- Matching: the feed's own keyword rule if it has one, otherwise every active rule.
  The suggested department is the feed's department, else the rule's.
- A failing feed (HTTP error, timeout, not a feed) backs off exponentially: interval × 2^failures,
  at most a day; its last error is shown in the admin. One success resets it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import logging
from dataclasses import dataclass, field

import feedparser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import KeywordRule, Lead
from casesys.inbound.services import lead_record
from integrations.feeds.fetch import FetchError, fetch
from integrations.feeds.models import Feed, FeedEntry

log = logging.getLogger(__name__)

SOURCE = "feed"
MAX_BACKOFF = dt.timedelta(days=1)
# While a poll runs, its feed is not due again for this long (another worker skips it).
LEASE = dt.timedelta(minutes=5)


@dataclass
class PollResult:
    feed_id: int
    status: str  # ok, not_modified, error, skipped
    new_entries: int = 0
    leads: list[Lead] = field(default_factory=list)
    error: str = ""


def backoff_delay(feed: Feed, failures: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=feed.interval_minutes) * (2 ** min(failures, 16)), MAX_BACKOFF)


def _claim(feed_id: int, *, now: dt.datetime, force: bool) -> Feed | None:
    with transaction.atomic():
        feed = (
            Feed.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("keyword_rule", "keyword_rule__category", "keyword_rule__department", "department")
            .filter(pk=feed_id, active=True)
            .first()
        )
        if feed is None or (not force and feed.next_poll_at > now):
            return None
        Feed.objects.filter(pk=feed.pk).update(next_poll_at=now + LEASE)
        return feed


def _entry_key(entry) -> str:
    basis = entry.get("id") or entry.get("link") or f"{entry.get('title', '')}|{entry.get('published', '')}"
    return hashlib.sha256(str(basis).encode("utf-8")).hexdigest()


def _entry_time(entry) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)


def _entry_text(entry) -> tuple[str, str]:
    title = html.unescape(strip_tags(entry.get("title", "") or "")).strip()
    summary = entry.get("summary", "") or ""
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    summary = html.unescape(strip_tags(summary)).strip()
    return title, summary


def _rules_for(feed: Feed) -> list[KeywordRule]:
    if feed.keyword_rule_id:
        return [feed.keyword_rule] if feed.keyword_rule.active else []
    return list(KeywordRule.objects.filter(active=True).select_related("category", "department"))


def _record_entries(feed: Feed, parsed) -> tuple[int, list[Lead]]:
    entries = list(parsed.entries)
    keys = [_entry_key(e) for e in entries]
    seen = set(FeedEntry.objects.filter(feed=feed, key__in=keys).values_list("key", flat=True))
    rules = _rules_for(feed)
    new_count, leads = 0, []
    for entry, key in zip(entries, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        title, summary = _entry_text(entry)
        link = (entry.get("link") or "")[:500]
        published = _entry_time(entry)
        try:
            with transaction.atomic():
                row = FeedEntry.objects.create(
                    feed=feed, key=key, title=title[:300], link=link, published_at=published
                )
                new_count += 1
                rule = match_keywords(f"{title}\n{summary}", rules) if rules else None
                if rule is None:
                    continue
                lead, created = lead_record(
                    source=SOURCE,
                    external_id=f"{feed.pk}:{key}",
                    text=summary or title,
                    occurred_at=published,
                    reason="keyword",
                    rule=rule,
                    title=title[:300],
                    url=link,
                    sender_name=feed.name[:200],
                    suggested_department=feed.department or rule.department,
                )
                row.lead = lead
                row.save(update_fields=["lead"])
                if created:
                    leads.append(lead)
        except IntegrityError:
            continue  # another poll recorded this entry at the same moment
    return new_count, leads


def _fail(feed: Feed, message: str, *, now: dt.datetime) -> PollResult:
    failures = feed.failures + 1
    Feed.objects.filter(pk=feed.pk).update(
        failures=failures,
        last_status="error",
        last_error=f"{timezone.localtime(now):%Y-%m-%d %H:%M} {message}"[:2000],
        last_polled_at=now,
        next_poll_at=now + backoff_delay(feed, failures),
    )
    log.warning("feed %s (%s) failed %s time(s): %s", feed.pk, feed.url, failures, message)
    return PollResult(feed_id=feed.pk, status="error", error=message)


def feed_poll(*, feed_id: int, force: bool = False, now: dt.datetime | None = None) -> PollResult:
    """Poll one feed if it is due (or `force`); safe to call twice at once."""
    now = now or timezone.now()
    feed = _claim(feed_id, now=now, force=force)
    if feed is None:
        return PollResult(feed_id=feed_id, status="skipped")
    try:
        result = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except FetchError as exc:
        return _fail(feed, str(exc), now=now)

    next_poll = now + dt.timedelta(minutes=feed.interval_minutes)
    if result.status == 304:
        Feed.objects.filter(pk=feed.pk).update(
            failures=0, last_status="not_modified", last_error="", last_polled_at=now, next_poll_at=next_poll
        )
        return PollResult(feed_id=feed.pk, status="not_modified")

    parsed = feedparser.parse(result.body)
    if parsed.get("bozo") and not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception") or "unknown"
        return _fail(feed, f"不是 RSS/Atom / Not an RSS or Atom feed: {reason}", now=now)

    new_count, leads = _record_entries(feed, parsed)
    Feed.objects.filter(pk=feed.pk).update(
        etag=result.etag[:200],
        last_modified=result.last_modified[:100],
        failures=0,
        last_status="ok",
        last_error="",
        last_polled_at=now,
        next_poll_at=next_poll,
    )
    return PollResult(feed_id=feed.pk, status="ok", new_entries=new_count, leads=leads)


def feeds_due(*, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    now = now or timezone.now()
    return list(
        Feed.objects.filter(active=True, next_poll_at__lte=now).order_by("next_poll_at").values_list("id", flat=True)[
            :limit
        ]
    )
