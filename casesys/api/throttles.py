"""Failure counters in the Django cache (Redis in production and tests).

The citizen lookup is guessable only by brute force over (number, password); counting the
*failures* per client address stops that without slowing citizens who type correctly.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from casesys.org.auth import FailureLimiter


def client_ident(request) -> str:
    """The client address as DRF's throttles see it (X-Forwarded-For trusted `NUM_PROXIES`
    deep), for the failure counters of the public endpoints."""
    return BaseThrottle().get_ident(request) or "unknown"


def track_limiter() -> FailureLimiter:
    conf = settings.CASESYS
    return FailureLimiter(
        scope="track",
        limit=conf.get("TRACK_MAX_FAILURES", 10),
        window=conf.get("TRACK_FAILURE_WINDOW_SECONDS", 900),
    )
