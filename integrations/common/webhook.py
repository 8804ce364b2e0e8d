"""Webhook plumbing shared by the connectors.

The order is always: verify the signature on the raw body → parse → store every event
(unique per provider and external id) → answer 200 → process in a task. Enqueuing happens
after the commit and never fails the request: if the broker is down the event stays
`pending` and the periodic sweep (`integrations.common.tasks.sweep_inbound_events`)
processes it later, so no verified event is ever lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable

from django.db import transaction
from django.http import JsonResponse

logger = logging.getLogger(__name__)

# Webhook bodies are small (LINE batches a few events); refuse anything absurd before hashing.
MAX_BODY_BYTES = 1024 * 1024


def hmac_sha256_b64_matches(*, body: bytes, signature: str | None, secret: str) -> bool:
    """LINE-style signature: base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not signature or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def secret_token_matches(*, header: str | None, secret: str) -> bool:
    """Telegram-style shared secret header, compared in constant time."""
    if not header or not secret:
        return False
    return hmac.compare_digest(header.encode("utf-8", "replace"), secret.encode("utf-8"))


def plain_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def enqueue_after_commit(task, event_ids: Iterable[int]) -> None:
    """Publish one processing task per stored event once the rows are committed."""
    ids = list(event_ids)
    if ids:
        transaction.on_commit(lambda: enqueue_now(task, ids))


def enqueue_now(task, event_ids: Iterable[int]) -> int:
    """Publish tasks; a broker failure is logged, not raised (the sweep catches up).

    Publishing uses its own connection that gives up at once: with the default retry policy
    a refused broker connection holds the webhook response for about six seconds, and an
    unreachable host for much longer, while the event is already safe in the database.
    """
    ids = list(event_ids)
    app = task._get_app()
    if app.conf.task_always_eager:
        for event_id in ids:
            task.apply_async(args=[event_id])
        return len(ids)
    options = {
        **(app.conf.broker_transport_options or {}),
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    sent = 0
    try:
        with app.connection_for_write(transport_options=options) as conn:
            for event_id in ids:
                task.apply_async(args=[event_id], connection=conn, retry=False)
                sent += 1
    except Exception:  # noqa: BLE001 - any broker/transport error
        logger.warning(
            "inbound events %s stored but not enqueued (broker unavailable?); the sweep will process them",
            ids[sent:],
            exc_info=True,
        )
    return sent
