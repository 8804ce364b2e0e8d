"""Feeds' demo data for `manage.py seed_demo` (CASESYS_CHANNELS["feed"]["demo"]): a local news
feed and a PTT board, with entries read through the same code a poll uses, so the entries that
match a keyword rule become leads.

The feeds point at the reserved example.com domain and are inactive: the worker never polls
them. An administrator adds real feeds in the admin.
"""

from __future__ import annotations

import datetime as dt
import random
from email.utils import format_datetime
from xml.sax.saxutils import escape

import feedparser

from casesys.cases.demo_texts import FEED_ITEMS
from integrations.feeds.models import Feed
from integrations.feeds.services import _record_entries

FEEDS = (
    ("示範日報 地方新聞", "https://news.example.com/local/rss.xml"),
    ("PTT 示範市板（DemoCity）", "https://ptt.example.com/bbs/DemoCity/index.xml"),
)


def _rss(feed: Feed, items: list[tuple[str, str, dt.datetime, str]]) -> str:
    body = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<description>{escape(text)}</description><pubDate>{format_datetime(at)}</pubDate></item>"
        for title, text, at, link in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(feed.name)}</title>{body}</channel></rss>'


def seed(*, users: dict, categories: dict, now: dt.datetime) -> str:
    from casesys.cases.demo import _place

    rng = random.Random(2026)
    entries = 0
    for k, (name, url) in enumerate(FEEDS):
        feed, _ = Feed.objects.get_or_create(url=url, defaults={"name": name, "active": False, "interval_minutes": 60})
        items = []
        for j, (title, text) in enumerate(FEED_ITEMS[k::2]):
            place = _place(rng)
            at = now - dt.timedelta(hours=5 + 23 * j + 7 * k)
            items.append((title.format(**place), text.format(**place), at, f"{url.rsplit('/', 1)[0]}/M.{1700000000 + 1000 * j + k}.A.html"))
        new, _leads = _record_entries(feed, feedparser.parse(_rss(feed, items)))
        entries += new
        if new:
            Feed.objects.filter(pk=feed.pk).update(last_polled_at=now, last_status="ok")
    return f"{len(FEEDS)} feeds, {entries} new entries"
