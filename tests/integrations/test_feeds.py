"""Feed polling against a local HTTP server serving the stored sample Atom and RSS 2.0 files."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from casesys.inbound.models import KeywordRule, Lead
from integrations.feeds import tasks
from integrations.feeds.models import Feed, FeedEntry
from integrations.feeds.services import feed_poll

SAMPLES = Path(__file__).parent / "feeds_samples"


class FeedServer:
    """Serves one document per path; honours If-None-Match / If-Modified-Since with 304."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                doc = server.docs.get(self.path)
                if doc is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if doc["mode"] == "500":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"Internal Server Error")
                    return
                if doc["mode"] == "ok" and (
                    self.headers.get("If-None-Match") == doc["etag"]
                    or self.headers.get("If-Modified-Since") == doc["last_modified"]
                ):
                    self.send_response(304)
                    self.send_header("ETag", doc["etag"])
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", doc["content_type"])
                if doc["mode"] == "ok":
                    self.send_header("ETag", doc["etag"])
                    self.send_header("Last-Modified", doc["last_modified"])
                self.send_header("Content-Length", str(len(doc["body"])))
                self.end_headers()
                self.wfile.write(doc["body"])

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, sample: str, *, etag: str, last_modified: str, mode: str = "ok") -> None:
        content_type = "application/atom+xml" if sample.endswith("atom.xml") else "application/rss+xml"
        self.docs[path] = {
            "body": (SAMPLES / sample).read_bytes(),
            "etag": etag,
            "last_modified": last_modified,
            "mode": mode,
            "content_type": content_type if mode == "ok" else "text/html",
        }

    def fail(self, path: str, mode: str) -> None:
        """mode "500": an HTTP error; "garbage": 200 with a body that is not a feed."""
        self.docs[path]["mode"] = mode
        if mode == "garbage":
            self.docs[path]["body"] = (SAMPLES / "garbage.txt").read_bytes()


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def rules(org):
    return {
        "light": KeywordRule.objects.create(phrase="路燈", category=org.lights, department=org.light),
        "pothole": KeywordRule.objects.create(phrase="坑洞", category=org.pothole, department=org.road),
    }


MON = "Mon, 03 Nov 2025 04:00:00 GMT"
TUE = "Tue, 04 Nov 2025 04:00:00 GMT"


def test_rss_feed_turns_matching_entries_into_leads(org, rules, feed_server):
    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    feed = Feed.objects.create(name="示範日報", url=feed_server.url("/news.rss"), department=org.pwd)

    result = feed_poll(feed_id=feed.pk)

    assert result.status == "ok" and result.new_entries == 3
    assert FeedEntry.objects.filter(feed=feed).count() == 3
    lead = Lead.objects.get()
    assert lead.source == "feed" and FeedEntry.objects.get(lead=lead).feed == feed
    assert lead.title == "中山路路燈連三晚不亮 居民夜歸擔心安全"
    assert lead.url == "https://news.example.invalid/local/1001"
    assert "<p>" not in lead.text and "路燈" in lead.text
    assert lead.matched_rule == rules["light"] and lead.reason == "keyword"
    assert lead.suggested_category == org.lights
    # The feed's department wins over the rule's.
    assert lead.suggested_department == org.pwd
    assert lead.occurred_at == dt.datetime(2025, 11, 3, 0, 0, tzinfo=dt.UTC)
    feed.refresh_from_db()
    assert (feed.etag, feed.last_modified, feed.last_status, feed.failures) == ('"v1"', MON, "ok", 0)
    assert feed.next_poll_at == feed.last_polled_at + dt.timedelta(minutes=30)


def test_unchanged_feed_is_answered_304_and_adds_nothing(org, rules, feed_server):
    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    feed = Feed.objects.create(name="示範日報", url=feed_server.url("/news.rss"))
    feed_poll(feed_id=feed.pk)

    result = feed_poll(feed_id=feed.pk, force=True)

    assert result.status == "not_modified"
    second = feed_server.requests[-1]["headers"]
    assert second["If-None-Match"] == '"v1"' and second["If-Modified-Since"] == MON
    assert Lead.objects.count() == 1 and FeedEntry.objects.count() == 3
    feed.refresh_from_db()
    assert feed.last_status == "not_modified" and feed.etag == '"v1"'


def test_changed_feed_adds_only_its_new_entries(org, rules, feed_server):
    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    feed = Feed.objects.create(name="示範日報", url=feed_server.url("/news.rss"))
    feed_poll(feed_id=feed.pk)
    feed_server.serve("/news.rss", "news_rss_changed.xml", etag='"v2"', last_modified=TUE)

    result = feed_poll(feed_id=feed.pk, force=True)

    assert result.status == "ok" and result.new_entries == 1
    assert [lead.title for lead in result.leads] == ["民權路口路燈閃爍 機車騎士險摔車"]
    assert sorted(Lead.objects.values_list("url", flat=True)) == [
        "https://news.example.invalid/local/1001",
        "https://news.example.invalid/local/1004",
    ]
    feed.refresh_from_db()
    assert feed.etag == '"v2"'


def test_atom_feed_with_its_own_rule_matches_only_that_rule_in_both_scripts(org, rules, feed_server):
    feed_server.serve("/ptt.atom", "ptt_atom.xml", etag='"a1"', last_modified=MON)
    # This board feed listens for street lights only; the global 坑洞 rule does not apply to it.
    feed = Feed.objects.create(name="PTT DemoCity", url=feed_server.url("/ptt.atom"), keyword_rule=rules["light"])

    result = feed_poll(feed_id=feed.pk)

    assert result.new_entries == 3
    lead = Lead.objects.get()
    # Written in Simplified Chinese (路灯), matched by the Traditional rule 路燈.
    assert lead.title == "[新闻] 和平路路灯整排不亮"
    assert lead.url.endswith("M.1762140300.A.002.html")
    assert lead.suggested_department == org.light  # the feed has none: the rule's
    assert lead.sender_name == "PTT DemoCity"


def test_feed_without_rule_matches_every_active_rule(org, rules, feed_server):
    feed_server.serve("/ptt.atom", "ptt_atom.xml", etag='"a1"', last_modified=MON)
    feed = Feed.objects.create(name="PTT DemoCity", url=feed_server.url("/ptt.atom"))

    feed_poll(feed_id=feed.pk)

    matched = dict(Lead.objects.values_list("title", "matched_rule__phrase"))
    assert matched == {"[問卦] 中正路那個大坑洞到底什麼時候要補": "坑洞", "[新闻] 和平路路灯整排不亮": "路燈"}


def test_broken_feed_backs_off_shows_its_error_and_recovers(org, rules, feed_server, admin_client):
    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    feed = Feed.objects.create(name="壞掉的來源", url=feed_server.url("/news.rss"), interval_minutes=10)
    feed_server.fail("/news.rss", "500")

    first = feed_poll(feed_id=feed.pk)

    assert first.status == "error" and "HTTP 500" in first.error
    feed.refresh_from_db()
    assert feed.failures == 1 and feed.last_status == "error" and "HTTP 500" in feed.last_error
    assert feed.next_poll_at == feed.last_polled_at + dt.timedelta(minutes=20)
    # Not due yet: the next beat tick leaves it alone.
    assert feed_poll(feed_id=feed.pk).status == "skipped"

    feed_server.fail("/news.rss", "garbage")
    second = feed_poll(feed_id=feed.pk, force=True)
    assert second.status == "error"
    feed.refresh_from_db()
    assert feed.failures == 2 and "Not an RSS or Atom feed" in feed.last_error
    assert feed.next_poll_at == feed.last_polled_at + dt.timedelta(minutes=40)
    assert Lead.objects.count() == 0

    admin_client.force_login(org.admin)
    page = admin_client.get(f"/admin/integrations_feeds/feed/{feed.pk}/change/").content.decode()
    assert "Not an RSS or Atom feed" in page

    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    assert feed_poll(feed_id=feed.pk, force=True).status == "ok"
    feed.refresh_from_db()
    assert (feed.failures, feed.last_error, feed.last_status) == (0, "", "ok")


def test_unreachable_feed_counts_as_a_failure(org):
    feed = Feed.objects.create(name="關閉的網站", url="http://127.0.0.1:9/closed.rss")

    result = feed_poll(feed_id=feed.pk)

    assert result.status == "error"
    feed.refresh_from_db()
    assert feed.failures == 1 and feed.last_error


def test_beat_task_polls_due_feeds_once_each(org, rules, feed_server, monkeypatch):
    feed_server.serve("/news.rss", "news_rss.xml", etag='"v1"', last_modified=MON)
    due = Feed.objects.create(name="到期", url=feed_server.url("/news.rss"))
    Feed.objects.create(name="未到期", url=feed_server.url("/later.rss"), next_poll_at=timezone.now() + dt.timedelta(hours=1))
    Feed.objects.create(name="停用", url=feed_server.url("/off.rss"), active=False)
    monkeypatch.setattr(tasks.poll_feed, "delay", lambda feed_id: tasks.poll_feed(feed_id))

    assert tasks.poll_due_feeds() == 1
    assert tasks.poll_due_feeds() == 0  # nothing due any more

    assert [r["path"] for r in feed_server.requests] == ["/news.rss"]
    due.refresh_from_db()
    assert due.last_status == "ok" and Lead.objects.count() == 1
