"""Webhook plumbing shared by the connectors.

The order is always: verify the signature on the raw body → parse → store every event
(unique per provider and external id) → answer 200 → process in a task. The wake-up of
that task (one drain per burst of events, `wake_processing`) happens after the commit and
never fails the request: if the broker is down the event stays `pending` and the periodic
sweep (`integrations.common.tasks.sweep_inbound_events`) processes it later, so no verified
event is ever lost.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging

from django.db import transaction
from django.http import JsonResponse

from casesys.common.publish import publish_coalesced

logger = logging.getLogger(__name__)

# Webhook bodies are small (LINE batches a few events); refuse anything absurd before hashing.
MAX_BODY_BYTES = 1024 * 1024


def hmac_sha256_b64_matches(*, body: bytes, signature: str | None, secret: str) -> bool:
    """LINE-style signature: base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not signature or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def hub_signature_matches(*, body: bytes, signature: str | None, secret: str) -> bool:
    """Facebook-style signature: `sha256=` + hex(HMAC-SHA256(secret, raw body)), in constant time."""
    if not signature or not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode("utf-8", "replace"))


def secret_token_matches(*, header: str | None, secret: str) -> bool:
    """Telegram-style shared secret header, compared in constant time."""
    if not header or not secret:
        return False
    return hmac.compare_digest(header.encode("utf-8", "replace"), secret.encode("utf-8"))


def utc_from_epoch(seconds: object) -> dt.datetime | None:
    """A provider's Unix timestamp as an aware datetime; None when absent or out of range."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def plain_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def wake_key(provider: str) -> str:
    return f"casesys:inbound:wake:{provider}"


def wake_processing(provider: str) -> None:
    """After the commit, make sure a drain of the provider's pending events is on its way
    (one task message for a burst of events, not one per event; see publish_coalesced)."""
    from integrations.common.tasks import drain_inbound_events

    transaction.on_commit(lambda: publish_coalesced(drain_inbound_events, key=wake_key(provider), args=(provider,)))
