"""`Feed` moved from casesys.inbound to integrations.feeds (integrations_feeds 0002 and
inbound 0003): the rows, their entries and each lead's feed survive, in both directions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("inbound", "0002_inboundevent_meta"), ("integrations_feeds", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_feeds_entries_and_lead_links_survive_the_move_and_its_reversal():
    try:
        old = _migrate(BEFORE)
        Feed = old.get_model("inbound", "Feed")
        Lead = old.get_model("inbound", "Lead")
        FeedEntry = old.get_model("integrations_feeds", "FeedEntry")
        feed = Feed.objects.create(name="示範日報", url="https://news.example.invalid/rss", last_status="ok", failures=2)
        linked = Lead.objects.create(source="feed", external_id=f"{feed.pk}:k1", text="路燈不亮", feed=feed)
        FeedEntry.objects.create(feed=feed, key="k1", title="路燈不亮", lead=linked)
        FeedEntry.objects.create(feed=feed, key="k2", title="天氣晴")
        # A lead whose entry is missing (recorded before entries linked their leads).
        orphan = Lead.objects.create(
            source="feed", external_id=f"{feed.pk}:k3", text="水溝堵塞", title="水溝堵塞", feed=feed,
            url="https://news.example.invalid/3",
        )

        new = _migrate(None)

        Feed = new.get_model("integrations_feeds", "Feed")
        FeedEntry = new.get_model("integrations_feeds", "FeedEntry")
        moved = Feed.objects.get(pk=feed.pk)
        assert Feed._meta.db_table == "inbound_feed"
        assert (moved.name, moved.url, moved.last_status, moved.failures) == (
            "示範日報", "https://news.example.invalid/rss", "ok", 2
        )
        assert sorted(moved.entries.values_list("key", "lead_id")) == [
            ("k1", linked.pk), ("k2", None), ("k3", orphan.pk)
        ]
        assert FeedEntry.objects.get(key="k3").link == "https://news.example.invalid/3"
        assert "feed" not in {f.name for f in new.get_model("inbound", "Lead")._meta.get_fields()}

        back = _migrate(BEFORE)

        Lead = back.get_model("inbound", "Lead")
        assert back.get_model("inbound", "Feed").objects.get(pk=feed.pk).name == "示範日報"
        assert set(Lead.objects.values_list("pk", "feed_id")) == {(linked.pk, feed.pk), (orphan.pk, feed.pk)}
    finally:
        _migrate(None)
