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
import time
from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)

# Only the Redis transport understands these; the embedded SQLAlchemy broker passes its
# transport options to create_engine, which rejects unknown keys.
_REDIS_FAST_FAIL = {"socket_connect_timeout": 2, "socket_timeout": 5}


class _Breaker:
    """After a *slow* failure, skip the target for `seconds` (per process), then try again.

    A Redis that refuses connections fails in microseconds and is simply tried again next
    time, so publishing resumes the moment it is back. One that does not answer (a dead host,
    a network partition) costs every attempt its timeouts: seconds added to every webhook and
    intake request. Only such a failure opens the breaker; while it is open nothing is
    attempted, the rows wait in the database, and the next successful wake-up or the periodic
    sweep handles them.
    """

    SLOW = 0.25  # seconds a failed attempt must have cost to open the breaker

    def __init__(self, name: str, seconds: float = 10.0):
        self.name = name
        self.seconds = seconds
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def failed(self, started: float) -> None:
        """An attempt begun at `started` (time.monotonic()) failed."""
        if time.monotonic() - started >= self.SLOW:
            self.trip()

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.seconds
        logger.warning(
            "%s unavailable: not used for %.0f s; the periodic sweeps handle what is stored", self.name, self.seconds
        )

    def reset(self) -> None:
        self.open_until = 0.0


def _refused(exc: BaseException) -> bool:
    """Whether a failure was a refused connection (anywhere in its chain of causes).

    A refusal is an answer, however long the attempt took on a loaded machine: Redis is down
    or restarting, and the next request should simply try again. Judging by elapsed time
    alone, a refusal measured slow under load opened the breaker, and the wake-ups of the
    first seconds after Redis came back were skipped.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or "Connection refused" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


broker_breaker = _Breaker("broker (task publishing)")
gate_breaker = _Breaker("wake-up gate (Redis)")


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
    if broker_breaker.is_open():
        return 0
    sent = 0
    started = time.monotonic()
    conn = _connection(app)
    try:
        for args in calls:
            task.apply_async(args=args, connection=conn, retry=False)
            sent += 1
    except Exception as exc:  # noqa: BLE001 - any broker/transport error: the sweep catches up
        _discard(conn)
        if not _refused(exc):
            broker_breaker.failed(started)
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


# --- coalesced wake-ups ------------------------------------------------------------------
#
# A busy webhook stores hundreds of events a second; one task message per event made the
# publish (a kombu message, two Redis client objects) most of the request. Instead each
# request asks for "a drain of pending rows", and only the first request since the last
# drain started publishes one: SET NX on a key the drain task deletes *before*
# it reads the pending rows. A request that finds the key set committed its row before the
# queued drain's read, so that drain sees it; one that comes after the delete publishes a new
# drain. The key expires after `ttl` seconds so a lost message cannot block wake-ups, and the
# periodic sweep remains the backstop for everything.


_gate_client = None


def _gate():
    """A Redis client shared by every thread of the process (redis-py clients are thread-safe;
    Django's cache builds a new client per call, which cost as much as the rest of the gate),
    or None without Redis (`make run`), where every wake-up publishes."""
    global _gate_client
    if _gate_client is None:
        from django.conf import settings

        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return None
        import redis

        _gate_client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return _gate_client


def publish_coalesced(task, *, key: str, args: Sequence = (), ttl: int = 10) -> bool:
    """Publish `task(*args)` unless a run published under `key` has not started yet.

    Returns True when this call published. Never raises: the sweep is the backstop.
    """
    gate = _gate()
    if task._get_app().conf.task_always_eager or gate is None:
        return publish_best_effort(task, [args]) == 1
    if broker_breaker.is_open():
        return False  # nothing to coalesce: no publish would go out
    if gate_breaker.is_open():
        return publish_best_effort(task, [args]) == 1
    started = time.monotonic()
    try:
        if not gate.set(key, b"1", nx=True, ex=ttl):
            return False
    except Exception as exc:  # noqa: BLE001 - cache down: publish without the gate
        logger.warning("wake-up gate %s unavailable; publishing without it", key, exc_info=True)
        if not _refused(exc):
            gate_breaker.failed(started)
        return publish_best_effort(task, [args]) == 1
    if publish_best_effort(task, [args]) == 1:
        return True
    try:
        gate.delete(key)  # not published: let the next request try again
    except Exception:  # noqa: BLE001
        pass
    return False


def coalesced_started(key: str) -> None:
    """Called first by a coalesced task, before it reads any rows (see above)."""
    gate = _gate()
    if gate is None or gate_breaker.is_open():
        return  # the key expires on its own
    try:
        gate.delete(key)
    except Exception:  # noqa: BLE001 - it expires on its own
        logger.warning("could not clear wake-up gate %s", key, exc_info=True)
