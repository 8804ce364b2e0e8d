"""Write and read heartbeats (services and selectors for `Heartbeat`)."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from casesys.ops.models import Heartbeat

log = logging.getLogger(__name__)


def heartbeat_record(*, kind: str, node: str | None = None, info: dict[str, Any] | None = None) -> None:
    """Upsert the heartbeat of one process. Never raises: a failed heartbeat is itself the signal."""
    node = node or socket.gethostname()
    try:
        # Called from long-lived threads and signal handlers, outside Django's request
        # cycle: drop a connection a PostgreSQL restart has broken before using it (never
        # inside a caller's transaction, which closing would destroy).
        if not connection.in_atomic_block:
            close_old_connections()
        Heartbeat.objects.update_or_create(
            kind=kind, node=node, defaults={"at": timezone.now(), "info": info or {}}
        )
    except Exception:  # noqa: BLE001 - logged; the next beat retries
        log.warning("heartbeat %s/%s could not be written", kind, node, exc_info=True)
        try:
            connection.close()
        except Exception:  # noqa: BLE001
            pass


@dataclass(frozen=True)
class HeartbeatStatus:
    ok: bool
    last_at: dt.datetime | None
    age_seconds: float | None
    nodes: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "age_seconds": round(self.age_seconds, 1) if self.age_seconds is not None else None,
            "nodes": self.nodes,
        }


def max_age_seconds() -> int:
    return int(getattr(settings, "CASESYS_HEARTBEAT_MAX_AGE", 120))


def heartbeat_status(kind: str, *, now: dt.datetime | None = None, max_age: int | None = None) -> HeartbeatStatus:
    """Freshest heartbeat of a kind, and every node seen in the last day."""
    now = now or timezone.now()
    max_age = max_age if max_age is not None else max_age_seconds()
    rows = list(
        Heartbeat.objects.filter(kind=kind, at__gte=now - dt.timedelta(days=1)).order_by("-at").values("node", "at")[:50]
    )
    nodes = [
        {"node": r["node"], "age_seconds": round((now - r["at"]).total_seconds(), 1), "ok": (now - r["at"]).total_seconds() <= max_age}
        for r in rows
    ]
    if not rows:
        return HeartbeatStatus(ok=False, last_at=None, age_seconds=None, nodes=[])
    last = rows[0]["at"]
    age = (now - last).total_seconds()
    return HeartbeatStatus(ok=age <= max_age, last_at=last, age_seconds=age, nodes=nodes)
