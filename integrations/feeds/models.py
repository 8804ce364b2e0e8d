"""The feeds polled for social listening and the entries already seen per feed, so each
entry is examined (and becomes a lead) once.

`Feed` lived in `casesys.inbound` until the core stopped naming connectors; it keeps its
table (`inbound_feed`), so moving it copied no data (migration 0002_feed_moves_here).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Feed(models.Model):
    """An RSS/Atom feed (news site, PTT board) polled for social listening (輿情蒐集)."""

    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500, unique=True)
    keyword_rule = models.ForeignKey("inbound.KeywordRule", null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.SET_NULL)
    interval_minutes = models.PositiveIntegerField(default=30)
    active = models.BooleanField(default=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        # The table the model had in casesys.inbound: the move changed no row.
        db_table = "inbound_feed"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeedEntry(models.Model):
    """One entry of a feed; `lead` is the lead it became, if it matched a keyword rule."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    # sha256 of the entry's id (or link, or title + date when a feed gives neither).
    key = models.CharField(max_length=64)
    title = models.CharField(max_length=300, blank=True)
    link = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    lead = models.ForeignKey("inbound.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-first_seen_at"]
        constraints = [models.UniqueConstraint(fields=["feed", "key"], name="feed_entry_unique")]
        verbose_name = "feed entry"
        verbose_name_plural = "feed entries"

    def __str__(self) -> str:
        return self.title or self.key
