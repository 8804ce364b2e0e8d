"""Best-effort task publishing for work whose truth is already in the database.

Stored inbound events and outbox rows are processed by periodic sweeps anyway; the task
message is only a nudge so they are handled at once. Publishing must therefore never fail
or hold up the request that committed them. Celery's default publish retries a refused
broker connection for about six seconds (an unreachable host for much longer), so this
uses its own connection that gives up at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from django.db import transaction

logger = logging.getLogger(__name__)

# Only the Redis transport understands these; the embedded SQLAlchemy broker passes its
# transport options to create_engine, which rejects unknown keys.
_REDIS_FAST_FAIL = {"socket_connect_timeout": 2, "socket_timeout": 5}


def publish_best_effort(task, calls: Iterable[Sequence]) -> int:
    """Publish `task` once per argument tuple; returns how many were published."""
    calls = [tuple(args) for args in calls]
    if not calls:
        return 0
    app = task._get_app()
    if app.conf.task_always_eager:
        # Tests and debugging: run in-process, but keep "never fails the caller".
        for args in calls:
            try:
                task.apply_async(args=args)
            except Exception:  # noqa: BLE001
                logger.warning("%s%s failed eagerly; the periodic sweep will retry", task.name, args, exc_info=True)
        return len(calls)
    sent = 0
    conn = _connection(app)
    try:
        for args in calls:
            task.apply_async(args=args, connection=conn, retry=False)
            sent += 1
    except Exception:  # noqa: BLE001 - any broker/transport error: the sweep catches up
        _discard(conn)
        logger.warning(
            "%s: %d task(s) not published (broker unavailable?); the periodic sweep will handle them",
            task.name,
            len(calls) - sent,
            exc_info=True,
        )
    return sent


# One publishing connection per thread, reused across requests (opening a broker connection
# per webhook request costs more than storing the event) and dropped after any error.
_local = threading.local()


def _connection(app):
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "app", None) is not app:
        options = dict(app.conf.broker_transport_options or {})
        if str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
            options.update(_REDIS_FAST_FAIL)
        options.update({"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1})
        conn = app.connection_for_write(transport_options=options)
        _local.conn, _local.app = conn, app
    return conn


def _discard(conn) -> None:
    _local.conn = None
    try:
        conn.release()
    except Exception:  # noqa: BLE001 - already broken
        pass


def publish_after_commit(task, calls: Iterable[Sequence]) -> None:
    calls = [tuple(args) for args in calls]
    if calls:
        transaction.on_commit(lambda: publish_best_effort(task, calls))
