"""Entries already seen per feed, so each entry is examined (and becomes a lead) once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FeedEntry(models.Model):
    feed = models.ForeignKey("inbound.Feed", on_delete=models.CASCADE, related_name="entries")
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
