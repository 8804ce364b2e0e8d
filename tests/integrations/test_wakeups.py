"""Coalesced wake-ups: a burst of webhook events publishes one drain task, not one per event,
and the drain processes every event stored before it read the pending rows."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from casesys.cases.models import Case
from casesys.common.publish import coalesced_started, publish_coalesced
from casesys.inbound.models import InboundEvent
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
