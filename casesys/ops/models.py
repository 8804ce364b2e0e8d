"""Heartbeats of the background processes, read by `/healthz`.

Stored in the database rather than the cache: the web, worker and beat processes all
share the database in every setup (even SQLite with the embedded broker in development),
and a heartbeat must survive a Redis restart to tell "Redis was down" from "the worker died".
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    class Kind(models.TextChoices):
        # Worker main process is alive (written by a timer thread in each worker).
        WORKER = "worker", "worker"
        # A worker consumed the periodic heartbeat task (the queue is being worked).
        WORKER_TASK = "worker_task", "worker task"
        # Beat published the periodic heartbeat task (the scheduler ticks).
        BEAT = "beat", "beat"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Celery node name for workers (celery@host), host name for beat.
    node = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "node"], name="ops_heartbeat_unique_node")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.node} @ {self.at.isoformat()}"
