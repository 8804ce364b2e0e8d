"""Celery signal receivers that keep the worker and beat heartbeats fresh.

* Worker: on `worker_ready` the worker's main process starts a daemon thread that writes a
  `worker` heartbeat every ``CASESYS_HEARTBEAT_INTERVAL`` seconds; a SIGKILLed or hung-up
  worker stops writing it.
* Beat: beat publishes `casesys.ops.tasks.beat_heartbeat` every 30 s; `after_task_publish`
  fires in the beat process when the message reached the broker, so the `beat` heartbeat
  proves the scheduler ticks *and* can publish, independent of any worker.
* The task itself, run by a worker, writes `worker_task`: the queue is being consumed.
"""

from __future__ import annotations

import threading
from typing import Any

from celery.signals import after_task_publish, worker_ready, worker_shutdown
from django.conf import settings

from casesys.ops.heartbeats import heartbeat_record
from casesys.ops.models import Heartbeat

BEAT_HEARTBEAT_TASK = "casesys.ops.tasks.beat_heartbeat"

_stop = threading.Event()


def _interval() -> float:
    return float(getattr(settings, "CASESYS_HEARTBEAT_INTERVAL", 15))


def _worker_loop(node: str) -> None:
    from django.db import connection

    try:
        while not _stop.is_set():
            heartbeat_record(kind=Heartbeat.Kind.WORKER, node=node)
            _stop.wait(_interval())
    finally:
        connection.close()


@worker_ready.connect
def _on_worker_ready(sender: Any = None, **kwargs: Any) -> None:
    node = getattr(sender, "hostname", None) or "worker"
    _stop.clear()
    threading.Thread(target=_worker_loop, args=(node,), name="casesys-heartbeat", daemon=True).start()


@worker_shutdown.connect
def _on_worker_shutdown(**kwargs: Any) -> None:
    _stop.set()


@after_task_publish.connect
def _on_task_published(sender: str | None = None, **kwargs: Any) -> None:
    if sender == BEAT_HEARTBEAT_TASK:
        heartbeat_record(kind=Heartbeat.Kind.BEAT)
