"""Redis stops during a burst of LINE webhooks: every event is accepted and stored; once
Redis is back, all are processed; none is lost or processed twice.

Own redis-server (broker and cache), gunicorn and a Celery worker against the test
database; a fake LINE API answers the bot's replies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid

import pytest

from casesys.inbound.models import InboundEvent
from tests.resilience.support import (
    CeleryWorker,
    FakeApi,
    Gunicorn,
    RedisServer,
    base_env,
    database_url_of,
    http,
    print_logs,
    publish,
    scaled,
    wait_until,
)

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]

SECRET = "resilience-channel-secret"
SWEEP = "integrations.common.tasks.sweep_inbound_events"


def line_event(kind: str, n: int) -> dict:
    """A LINE event with a fresh webhookEventId: a citizen's message or group chatter."""
    event_id = f"01RES{uuid.uuid4().hex[:20].upper()}"
    source = (
        {"type": "user", "userId": f"U{uuid.uuid4().hex}"}
        if kind == "user"
        else {"type": "group", "groupId": "Cresilience0000000000000000000001", "userId": f"U{uuid.uuid4().hex}"}
    )
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1795340001000 + n,
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "source": source,
        "replyToken": uuid.uuid4().hex,
        "message": {
            "id": str(468789577898262530 + n),
            "type": "text",
            "text": f"中正路路燈不亮 #{n}",
            "quoteToken": uuid.uuid4().hex,
        },
    }


def post_webhook(url: str, events: list[dict]) -> tuple[int, dict]:
    body = json.dumps({"destination": "U0123456789abcdef0123456789abcdef", "events": events}, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    reply = http(
        "POST",
        f"{url}/integrations/line/webhook/",
        raw=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": signature},
        timeout=20,
    )
    return reply.status, (reply.json() if reply.body.startswith(b"{") else {"raw": reply.text[:200]})


def burst(url: str, total: int, *, start: int, threads: int = 4) -> list[str]:
    """Send `total` events in batches of 1–3 from several threads; every batch must be 200."""
    ids: list[str] = []
    failures: list[tuple[int, dict]] = []
    lock = threading.Lock()
    batches: list[list[dict]] = []
    n = start
    while n < start + total:
        size = min(1 + n % 3, start + total - n)
        batches.append([line_event("user" if i % 2 else "group", i) for i in range(n, n + size)])
        n += size

    def send(chunk: list[list[dict]]) -> None:
        for events in chunk:
            status, body = post_webhook(url, events)
            with lock:
                if status != 200 or body.get("stored") != len(events):
                    failures.append((status, body))
                ids.extend(e["webhookEventId"] for e in events)

    workers = [threading.Thread(target=send, args=(batches[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not failures, failures[:5]
    return ids


@pytest.mark.django_db(transaction=False)
def test_the_inbound_sweep_that_catches_up_after_an_outage_is_scheduled():
    from workers.schedule import DEFAULT_SCHEDULE

    # Events stored while the broker was down are processed by this sweep only: beat must run it.
    assert SWEEP in {entry["task"] for entry in DEFAULT_SCHEDULE}


def test_webhooks_during_a_redis_outage_are_stored_then_all_processed(org, tmp_path):
    from django.db import connection

    redis = RedisServer().start()
    api = FakeApi().start()
    server = worker = None
    try:
        env = base_env(
            DATABASE_URL=database_url_of(connection.settings_dict),
            REDIS_URL=redis.url,
            CELERY_BROKER_URL=redis.url,
            CASESYS_VAR_DIR=str(tmp_path / "var"),
            LINE_CHANNEL_SECRET=SECRET,
            LINE_CHANNEL_ACCESS_TOKEN="resilience-token",
            LINE_API_HOST=api.url,
            LINE_API_DATA_HOST=api.url,
        )
        server = Gunicorn(env=env, log_dir=tmp_path, workers=2, threads=4).start()
        worker = CeleryWorker(env=env, log_dir=tmp_path, concurrency=2).start()
        worker.wait_ready()

        before = burst(server.url, scaled(12, 40), start=0)
        wait_until(
            lambda: not InboundEvent.objects.filter(external_id__in=before, status="pending").exists(),
            timeout=60, what="events sent while Redis was up to be processed",
        )

        sent = list(before)
        restarted = False
        for outage in range(scaled(1, 2)):
            reconnected = worker_reconnected(worker)
            redis.stop()
            during = burst(server.url, scaled(30, 120), start=10_000 * (outage + 1))
            # Accepted and stored, waiting: nothing could be enqueued.
            stored = InboundEvent.objects.filter(external_id__in=during)
            assert stored.count() == len(during)
            assert set(stored.values_list("status", flat=True)) == {"pending"}
            redis.start()
            sent += during
            # Beat's next sweep (published here at once instead of waiting for its interval).
            restarted = reconnect_or_restart(worker, reconnected) or restarted
            publish(redis.url, SWEEP, older_than_seconds=0)
            wait_until(
                lambda d=during: not InboundEvent.objects.filter(external_id__in=d, status="pending").exists(),
                timeout=120, interval=0.5, what="the events stored during the outage to be processed",
            )

        after = burst(server.url, scaled(6, 20), start=90_000)
        sent += after
        if restarted:
            # A worker that died holding a prefetched drain leaves the wake-up key set for its
            # 10 s expiry, so these wake-ups were coalesced into a drain nobody runs: beat's
            # sweep (every 60 s) is the backstop, published here at once.
            publish(redis.url, SWEEP, older_than_seconds=0)
        wait_until(
            lambda: not InboundEvent.objects.filter(external_id__in=after, status="pending").exists(),
            timeout=60, what="events after the outage to be processed normally",
        )

        events = InboundEvent.objects.filter(provider="line", external_id__in=sent)
        assert events.count() == len(sent) == len(set(sent))  # none lost, none stored twice
        statuses = dict(events.values_list("external_id", "status"))
        assert set(statuses.values()) <= {"processed", "ignored"}, {k: v for k, v in statuses.items() if v not in ("processed", "ignored")}
        assert all(e.processed_at for e in events)
        # The same webhook delivered again (LINE redelivers) is recognised, not stored again.
        status, body = post_webhook(server.url, [InboundEvent.objects.get(external_id=sent[0]).payload])
        assert status == 200 and body == {"stored": 0, "duplicates": 1}
    except BaseException:
        print_logs(server, worker)
        raise
    finally:
        for proc in (worker, server):
            if proc is not None:
                proc.stop()
        api.stop()
        redis.close()


def reconnect_or_restart(worker: CeleryWorker, reconnected) -> bool:
    """Wait for the worker to reconnect to Redis, or restart it as its supervisor would.

    When the broker vanishes while the worker is restoring an unacknowledged message,
    kombu's Redis transport can raise inside that restore and Celery exits with
    "Unrecoverable error" (seen here about once in ten runs). Production runs the worker
    under systemd (`Restart=always`) or compose (`restart: unless-stopped`), so a new worker
    takes over; the test does the same, and still requires every event processed, none lost.
    """
    wait_until(lambda: not worker.alive or reconnected(), timeout=180, what="the worker to reconnect to Redis")
    if worker.alive:
        return False
    print(f"worker exited during the outage, restarted as systemd would:\n{worker.log_tail(5)}")
    worker.stop()  # reaps what is left of its process group
    worker.start()
    worker.wait_ready()
    return True


def worker_reconnected(worker: CeleryWorker):
    """The worker logs 'Connected to redis://…' again once the broker is back."""
    seen = worker.log_path.read_text(errors="replace").count("Connected to redis://")

    def check() -> bool:
        return worker.log_path.read_text(errors="replace").count("Connected to redis://") > seen

    return check
