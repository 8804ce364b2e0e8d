"""Worker and beat heartbeats written by Celery signals and the periodic task."""

from __future__ import annotations

import time

import pytest
from celery.signals import after_task_publish, worker_ready, worker_shutdown

from casesys.ops.models import Heartbeat
from casesys.ops.tasks import BEAT_HEARTBEAT_SCHEDULE, beat_heartbeat


@pytest.mark.django_db
def test_beat_publishing_the_heartbeat_task_records_beat():
    after_task_publish.send(sender="casesys.ops.tasks.beat_heartbeat", headers={}, body=())
    assert Heartbeat.objects.filter(kind=Heartbeat.Kind.BEAT).count() == 1
    # Other tasks published (by the web, by beat) are not heartbeats.
    after_task_publish.send(sender="casesys.reminders.tasks.scan_deadlines", headers={}, body=())
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_worker_running_the_task_records_consumption():
    beat_heartbeat.apply()
    beat = Heartbeat.objects.get(kind=Heartbeat.Kind.WORKER_TASK)
    assert beat.node


class FakeConsumer:
    hostname = "celery@test-node"


@pytest.mark.django_db(transaction=True)
def test_worker_ready_starts_a_heartbeat_that_stops_at_shutdown(settings):
    settings.CASESYS_HEARTBEAT_INTERVAL = 0.1
    worker_ready.send(sender=FakeConsumer())
    try:
        deadline = time.monotonic() + 5
        while not Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER, node="celery@test-node").exists():
            assert time.monotonic() < deadline, "worker heartbeat never written"
            time.sleep(0.05)
        first = Heartbeat.objects.get(node="celery@test-node").at
        time.sleep(0.4)
        assert Heartbeat.objects.get(node="celery@test-node").at > first
    finally:
        worker_shutdown.send(sender=None)
    time.sleep(0.3)
    stopped_at = Heartbeat.objects.get(node="celery@test-node").at
    time.sleep(0.4)
    assert Heartbeat.objects.get(node="celery@test-node").at == stopped_at


def test_heartbeat_write_failure_is_logged_not_raised(monkeypatch, caplog):
    from casesys.ops import heartbeats

    def broken(**kwargs):
        from django.db import OperationalError

        raise OperationalError("database is restarting")

    monkeypatch.setattr(heartbeats.Heartbeat.objects, "update_or_create", broken)
    heartbeats.heartbeat_record(kind=Heartbeat.Kind.BEAT, node="x")
    assert "could not be written" in caplog.text


def test_heartbeat_task_is_in_the_default_schedule():
    from workers.schedule import DEFAULT_SCHEDULE

    tasks = {entry["task"] for entry in DEFAULT_SCHEDULE}
    assert BEAT_HEARTBEAT_SCHEDULE["task"] in tasks
