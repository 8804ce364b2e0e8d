"""The portal's abuse limits, each counting what it is meant to count.

* Status lookups (/status/) share the citizen lookup's failure counter with /api/v1/track/:
  only wrong (number, password) pairs count, per client address.
* The mayor's mailbox counts *accepted* letters per client address and hour; a form with an
  error costs nothing. Counter addresses (district offices, where many citizens write from one
  address) get a higher allowance.

Client addresses come from casesys.common.clientip (X-Forwarded-For only through a trusted
proxy), so a forged header never picks the bucket.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

from casesys.api.throttles import track_limiter
from casesys.common.clientip import client_address, client_key
from casesys.org.auth import FailureLimiter

__all__ = ["lookup_limiter", "mailbox_limiter", "minutes", "track_limiter"]

HOUR = 3600


def minutes(wait: int) -> int:
    """Seconds to wait, as the whole minutes a person is told (never 0)."""
    return max(1, (int(wait) + 59) // 60)


def lookup_limiter() -> FailureLimiter:
    return track_limiter()


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def is_counter_address(request) -> bool:
    addr = client_address(request)
    if addr is None:
        return False
    counters = _networks(tuple(settings.CASESYS.get("MAILBOX_COUNTER_ADDRESSES") or ()))
    return any(addr.version == net.version and addr in net for net in counters)


def mailbox_limiter(request) -> tuple[FailureLimiter, str]:
    """The accepted-letters counter for this request's client, and its key."""
    conf = settings.CASESYS
    if is_counter_address(request):
        limiter = FailureLimiter("mailbox-counter", conf.get("MAILBOX_COUNTER_PER_HOUR", 60), HOUR)
    else:
        limiter = FailureLimiter("mailbox", conf.get("MAILBOX_PER_HOUR", 5), HOUR)
    return limiter, client_key(request)
