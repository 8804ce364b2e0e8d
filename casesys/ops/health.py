"""Health checks behind `/healthz`: database, broker, worker and beat heartbeats, and the
read replica for reports when one is configured (``DATABASE_REPLICA_URL``); plus warnings
that never fail the check (next year's office calendar not imported yet).

Every check answers within a couple of seconds and never raises: a failure is a
component with ``ok: false`` and the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from casesys.ops.heartbeats import heartbeat_status, max_age_seconds
from casesys.ops.models import Heartbeat

BROKER_TIMEOUT = 2.0


def _timed(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_replica(alias: str) -> dict[str, Any]:
    """The replica answers; while it is in recovery (a streaming standby), how far its last
    replayed transaction is behind now.

    Lag is reported, never failed on: reports tolerate a few seconds, and on a quiet primary
    the figure grows although nothing is missing (the last transaction to replay is simply
    old). Alert on it from monitoring, together with ``pg_stat_replication`` on the primary.
    """
    replica = connections[alias]
    with replica.cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() "
            "THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        in_recovery, lag = cursor.fetchone()
    return {
        "ok": True,
        "alias": alias,
        "in_recovery": in_recovery,
        # None: not in recovery (the URL names a primary), or nothing replayed yet.
        "lag_seconds": None if lag is None else round(float(lag), 1),
    }


def check_broker() -> dict[str, Any]:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    with Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options={"socket_timeout": BROKER_TIMEOUT}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
        if conn.transport_cls in ("redis", "rediss") or url.startswith(("redis", "rediss")):
            conn.default_channel.client.ping()
    return {"ok": True, "transport": url.split(":", 1)[0]}


def check_heartbeats() -> dict[str, dict[str, Any]]:
    """Worker and beat: fresh within ``CASESYS_HEARTBEAT_MAX_AGE`` seconds.

    A worker counts as healthy when its process is alive *and*, while beat is publishing,
    the heartbeat task is actually consumed (a live but stuck worker is not healthy).
    """
    now = timezone.now()
    beat = heartbeat_status(Heartbeat.Kind.BEAT, now=now)
    alive = heartbeat_status(Heartbeat.Kind.WORKER, now=now)
    consumed = heartbeat_status(Heartbeat.Kind.WORKER_TASK, now=now)
    worker_ok = alive.ok and (consumed.ok or not beat.ok)
    worker = alive.as_dict() | {
        "ok": worker_ok,
        "last_task_at": consumed.as_dict()["last_at"],
        "last_task_age_seconds": consumed.as_dict()["age_seconds"],
    }
    if not alive.nodes:
        worker["error"] = "沒有工作程序心跳 / No worker heartbeat recorded"
    elif not worker_ok:
        worker["error"] = "工作程序心跳逾時 / Worker heartbeat is stale"
    beat_d = beat.as_dict()
    if not beat.ok:
        beat_d["error"] = "排程器心跳逾時或不存在 / Beat heartbeat is stale or missing"
    for d in (worker, beat_d):
        d["max_age_seconds"] = max_age_seconds()
    return {"worker": worker, "beat": beat_d}


def check_warnings(*, now) -> list[dict[str, Any]]:
    """Things an operator must attend to that do not make the service unhealthy: reported
    under ``warnings``, never in the status code."""
    from casesys.workcal.calendar import local_date
    from casesys.workcal.upkeep import missing_calendar_message, missing_next_year

    warnings: list[dict[str, Any]] = []
    try:
        year = missing_next_year(today=local_date(now))
    except Exception as exc:  # noqa: BLE001 - a warning check must never break /healthz
        return [{"check": "calendar", "message": f"無法檢查辦公日曆 / Calendar check failed: {type(exc).__name__}"}]
    if year is not None:
        warnings.append({"check": "calendar", "year": year, "message": missing_calendar_message(year)})
    return warnings


def health_report(*, now=None) -> tuple[bool, dict[str, Any]]:
    now = now or timezone.now()
    components: dict[str, dict[str, Any]] = {
        "database": _timed(check_database),
        "broker": _timed(check_broker),
    }
    if components["database"]["ok"]:
        components.update({k: v for k, v in _heartbeats_timed().items()})
    else:
        # Heartbeats live in the database: without it they are unknown, not "stale".
        unknown = {"ok": False, "error": "資料庫無法連線，無法讀取心跳 / Database unreachable, heartbeat unknown"}
        components["worker"] = dict(unknown)
        components["beat"] = dict(unknown)
    reports_db = settings.CASESYS_REPORTS_DB
    if reports_db != DEFAULT_DB_ALIAS:
        # Unreachable, the replica fails like any component: the reports are down with it.
        components["replica"] = _timed(lambda: check_replica(reports_db))
    healthy = all(c["ok"] for c in components.values())
    return healthy, {
        "status": "ok" if healthy else "fail",
        "time": now.isoformat(),
        "components": components,
        "warnings": check_warnings(now=now) if components["database"]["ok"] else [],
    }


def _heartbeats_timed() -> dict[str, dict[str, Any]]:
    try:
        return check_heartbeats()
    except Exception as exc:  # noqa: BLE001
        err = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"worker": dict(err), "beat": dict(err)}
