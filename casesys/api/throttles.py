"""Failure counters in the Django cache (Redis in production and tests).

The citizen lookup is guessable only by brute force over (number, password); counting the
*failures* per client address stops that without slowing citizens who type correctly.
"""

from __future__ import annotations

from django.conf import settings

from casesys.common.clientip import client_key
from casesys.org.auth import FailureLimiter


def client_ident(request) -> str:
    """The bucket of the public endpoints' failure counters: the client address as
    casesys.common.clientip decides it (X-Forwarded-For only through a trusted proxy)."""
    return client_key(getattr(request, "_request", request))


def track_limiter() -> FailureLimiter:
    conf = settings.CASESYS
    return FailureLimiter(
        scope="track",
        limit=conf.get("TRACK_MAX_FAILURES", 10),
        window=conf.get("TRACK_FAILURE_WINDOW_SECONDS", 900),
    )
