"""Coalesced wake-ups: a burst of webhook events publishes one drain task, not one per event,
and the drain processes every event stored before it read the pending rows."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from casesys.cases.models import Case
from casesys.common.publish import coalesced_started, publish_coalesced
from casesys.inbound.models import InboundEvent
from integrations.common.processing import drain_pending_events
from integrations.common.tasks import drain_inbound_events
from integrations.common.webhook import wake_key
from tests.integrations.conftest import line_body, line_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_queue():
    """Tasks go to the real Redis broker (no worker runs); yields the default queue's length."""
    from workers.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    gate = redis.Redis.from_url(settings.REDIS_URL)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    client.delete("default")
    gate.delete(wake_key("line"))
    yield lambda: client.llen("default")
    client.delete("default")
    gate.delete(wake_key("line"))
    app.conf.task_always_eager = saved


def test_only_the_first_wake_up_before_a_drain_starts_publishes(broker_queue):
    key = wake_key("line")
    published = [publish_coalesced(drain_inbound_events, key=key, args=("line",)) for _ in range(5)]
    assert published == [True, False, False, False, False]
    assert broker_queue() == 1

    coalesced_started(key)  # the drain begins: the next event needs a new one
    assert publish_coalesced(drain_inbound_events, key=key, args=("line",)) is True
    assert broker_queue() == 2


def test_a_burst_of_webhooks_queues_one_drain_that_processes_them_all(org, line_api, broker_queue, post_line):
    for n in range(4):
        event = line_event("user-text", webhookEventId=f"01BURST{n:020d}", message_id=f"burst{n}", text=f"路燈不亮 {n}")
        assert post_line(line_body(event)).status_code == 200
    assert InboundEvent.objects.filter(status="pending").count() == 4
    assert broker_queue() == 1

    drain_inbound_events("line")  # what the worker runs

    assert not InboundEvent.objects.filter(status="pending").exists()
    case = Case.objects.get()  # one citizen: the first message opens the case, the rest follow it
    assert case.messages.filter(direction="in").count() == 4


def test_an_event_that_fails_does_not_hold_up_the_events_after_it(org, line_api, broker_queue, post_line):
    line_api.respond("GET", r"/v2/bot/message/\d+/content", 500, {"message": "busy"})
    image = line_event("user-image", webhookEventId="01BURSTIMAGE0000000000000001")
    texts = [
        line_event("user-text", webhookEventId=f"01BURSTTEXT{n:017d}", message_id=f"t{n}", text=f"路燈不亮 {n}")
        for n in range(3)
    ]
    for event in (image, *texts):
        assert post_line(line_body(event)).status_code == 200

    result = drain_pending_events("line", limit=2)  # the failing image heads the first page

    image_row = InboundEvent.objects.get(external_id=image["webhookEventId"])
    assert image_row.status == "pending" and "500" in image_row.error  # left for the sweep's back-off
    assert InboundEvent.objects.filter(status="processed").count() == 3
    assert not result.more


def test_a_drain_out_of_time_leaves_the_rest_for_the_next_drain_it_wakes(org, line_api, broker_queue, post_line):
    for n in range(3):
        event = line_event("user-text", webhookEventId=f"01BUDGET{n:019d}", message_id=f"b{n}", text=f"噪音 {n}")
        assert post_line(line_body(event)).status_code == 200
    coalesced_started(wake_key("line"))
    before = broker_queue()

    result = drain_pending_events("line", time_budget=0)

    assert result.more and sum(result.counts.values()) == 1
    assert InboundEvent.objects.filter(status="pending").count() == 2
    assert broker_queue() == before  # the task, not this function, wakes the next drain


def test_a_drain_stopped_for_time_wakes_the_next_one(broker_queue, monkeypatch):
    from integrations.common import tasks
    from integrations.common.processing import DrainResult

    monkeypatch.setattr(tasks, "drain_pending_events", lambda provider: DrainResult({"processed": 200}, more=True))
    before = broker_queue()
    assert drain_inbound_events("line") == {"processed": 200, "more": 1}
    assert broker_queue() == before + 1


# --- a Redis that does not answer -------------------------------------------------------------


@pytest.fixture
def silent_redis(monkeypatch, broker_queue):
    """A TCP server that accepts connections and never answers (a hung host or a partition),
    used as both the gate and the broker."""
    import socket

    from casesys.common import publish

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    from workers.celery import app

    monkeypatch.setattr(publish, "_gate_client", redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5))
    monkeypatch.setattr(publish, "_REDIS_FAST_FAIL", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    saved_url = app.conf.broker_url
    app.conf.broker_url = url
    publish._local.conn = None
    yield
    app.conf.broker_url = saved_url
    publish._local.conn = None
    server.close()


def test_a_silent_redis_costs_one_request_its_timeouts_then_none_until_the_breaker_retries(silent_redis, monkeypatch):
    import time

    from casesys.common import publish

    key = wake_key("line")
    started = time.monotonic()
    assert publish_coalesced(drain_inbound_events, key=key, args=("line",)) is False
    first = time.monotonic() - started
    assert first >= 0.5  # the gate's read timeout, then the broker's
    assert publish.gate_breaker.is_open() and publish.broker_breaker.is_open()

    started = time.monotonic()
    for _ in range(20):  # the rest of the burst: answered without waiting
        assert publish_coalesced(drain_inbound_events, key=key, args=("line",)) is False
        coalesced_started(key)
    assert time.monotonic() - started < 0.2

    # Once the window has passed, the next request tries again.
    monkeypatch.setattr(publish.broker_breaker, "open_until", 0.0)
    monkeypatch.setattr(publish.gate_breaker, "open_until", 0.0)
    started = time.monotonic()
    assert publish_coalesced(drain_inbound_events, key=key, args=("line",)) is False
    assert time.monotonic() - started >= 0.5


def test_a_redis_that_refuses_connections_is_tried_again_on_every_request(broker_queue, monkeypatch):
    """Refusals cost nothing: no breaker, so publishing resumes the moment Redis is back."""
    import socket

    from casesys.common import publish
    from workers.celery import app

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    closed.close()  # nothing listens there: connections are refused at once
    monkeypatch.setattr(publish, "_gate_client", redis.Redis.from_url(url, socket_connect_timeout=0.5))
    monkeypatch.setattr(app.conf, "broker_url", url)
    publish._local.conn = None
    try:
        assert publish_coalesced(drain_inbound_events, key=wake_key("line"), args=("line",)) is False
        assert not publish.gate_breaker.is_open() and not publish.broker_breaker.is_open()
    finally:
        publish._local.conn = None


def test_a_refusal_never_opens_the_breaker_even_when_a_loaded_machine_makes_it_slow(broker_queue, monkeypatch):
    """On a busy machine a refused attempt can take longer than the breaker's threshold; it is
    still a refusal, so the next request tries again (the wake-ups after an outage go out)."""
    import socket

    from casesys.common import publish
    from workers.celery import app

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    closed.close()
    monkeypatch.setattr(publish._Breaker, "SLOW", 0.0)  # every failure counts as slow
    monkeypatch.setattr(publish, "_gate_client", redis.Redis.from_url(url, socket_connect_timeout=0.5))
    monkeypatch.setattr(app.conf, "broker_url", url)
    publish._local.conn = None
    try:
        assert publish_coalesced(drain_inbound_events, key=wake_key("line"), args=("line",)) is False
        assert not publish.gate_breaker.is_open() and not publish.broker_breaker.is_open()
    finally:
        publish._local.conn = None
