"""Periodic operations tasks (scheduled in `workers/schedule.py`)."""

from __future__ import annotations

from celery import shared_task

from casesys.ops.heartbeats import heartbeat_record
from casesys.ops.models import Heartbeat

# The entry in `workers/schedule.py` (DEFAULT_SCHEDULE): every 30 s. Beat's publish writes
# the beat heartbeat, a worker running it writes the consumption heartbeat.
BEAT_HEARTBEAT_SCHEDULE = {
    "name": "ops: beat heartbeat",
    "task": "casesys.ops.tasks.beat_heartbeat",
    "every": 30,
    "description": "排程器與工作程序心跳（/healthz）/ Beat and worker heartbeat for /healthz",
}


@shared_task(name="casesys.ops.tasks.beat_heartbeat", bind=True, ignore_result=True)
def beat_heartbeat(self) -> None:
    """Run by a worker: the queue is consumed (the beat side is recorded on publish)."""
    heartbeat_record(kind=Heartbeat.Kind.WORKER_TASK, node=self.request.hostname or None)
