"""The abuse limits, in one place: the failure/rate counter and every limit built on it.

Counters live in the Django cache (Redis in production and tests). Client addresses come from
casesys.common.clientip (X-Forwarded-For only through a trusted proxy), so a forged header
never picks the bucket.

* The citizen lookup (/api/v1/track/, the portal's /status/, the chat bots' 查詢) is guessable
  only by brute force over (number, password); counting the *failures* per client address
  stops that without slowing citizens who type correctly. All three share one counter.
* The mayor's mailbox counts *accepted* letters per client address and hour; a form with an
  error costs nothing. Counter addresses (district offices, where many citizens write from one
  address) get a higher allowance.
* Open311 counts bad keys per client and posts per partner (casesys/open311/services.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from casesys.common.clientip import client_address, client_key

HOUR = 3600


@dataclass(frozen=True)
class FailureLimiter:
    """Allow at most `limit` failures per `window` seconds per key, then refuse until the
    window (counted from the first failure) is over."""

    scope: str
    limit: int
    window: int

    def _keys(self, ident: str) -> tuple[str, str]:
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        base = f"casesys:fail:{self.scope}:{digest}"
        return f"{base}:n", f"{base}:t0"

    def retry_after(self, ident: str) -> int:
        """Seconds to wait, or 0 when the key may try again."""
        count_key, start_key = self._keys(ident)
        count = cache.get(count_key) or 0
        if count < self.limit:
            return 0
        started = cache.get(start_key) or time.time()
        return max(1, int(started + self.window - time.time()))

    def record_failure(self, ident: str) -> int:
        count_key, start_key = self._keys(ident)
        # add() only sets a missing key and incr() is atomic in Redis, so concurrent
        # guesses cannot undercount; both keys expire when the window ends.
        cache.add(start_key, time.time(), timeout=self.window)
        cache.add(count_key, 0, timeout=self.window)
        try:
            return cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, timeout=self.window)
            return 1

    # The same window counter serves a plain rate limit (Open311 posts per partner), where
    # every request counts, not only failures.
    record = record_failure

    def reset(self, ident: str) -> None:
        cache.delete_many(self._keys(ident))


def minutes(wait: int) -> int:
    """Seconds to wait, as the whole minutes a person is told (never 0)."""
    return max(1, (int(wait) + 59) // 60)


def geocode_limiter() -> FailureLimiter:
    """Address look-ups through the configured geocoder (the map's "find the address" button),
    per client address and hour: every look-up counts (the geocoder is someone else's service)."""
    return FailureLimiter("geocode", settings.CASESYS.get("GEOCODE_PER_HOUR", 60), HOUR)


def client_ident(request) -> str:
    """The bucket of a public endpoint's counters for a Django or DRF request: the client
    address as casesys.common.clientip decides it (an IPv6 client as its /64)."""
    return client_key(getattr(request, "_request", request))


def track_limiter() -> FailureLimiter:
    """Wrong (number, password) pairs, shared by the API, the portal and the chat bots."""
    conf = settings.CASESYS
    return FailureLimiter(
        scope="track",
        limit=conf.get("TRACK_MAX_FAILURES", 10),
        window=conf.get("TRACK_FAILURE_WINDOW_SECONDS", 900),
    )


# The portal's name for the same counter.
lookup_limiter = track_limiter


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
    return limiter, client_ident(request)


DAY = 24 * HOUR
# 補充陳情 from the status page: per case and per client address (every accepted addition counts).
SUPPLEMENT_PER_CASE_PER_DAY = 10
SUPPLEMENT_PER_CLIENT_PER_HOUR = 20
# 忘記密碼: every request counts, matched or not (the same answer either way), per client
# address and per case number typed, so neither guessing contacts nor flooding one citizen's
# inbox with new passwords works.
PASSWORD_RESEND_PER_CLIENT_PER_HOUR = 5
PASSWORD_RESEND_PER_CASE_PER_DAY = 3


def _first_wait(checks: list[tuple[FailureLimiter, str]]) -> int:
    return max((limiter.retry_after(ident) for limiter, ident in checks), default=0)


def _record_all(checks: list[tuple[FailureLimiter, str]]) -> None:
    for limiter, ident in checks:
        limiter.record(ident)


@dataclass(frozen=True)
class RateCheck:
    """Several counters that must all allow a request, and all count it."""

    checks: tuple[tuple[FailureLimiter, str], ...]

    def retry_after(self) -> int:
        return _first_wait(list(self.checks))

    def record(self) -> None:
        _record_all(list(self.checks))


def supplement_limits(request, number: str) -> RateCheck:
    return RateCheck(
        (
            (FailureLimiter("supplement-case", SUPPLEMENT_PER_CASE_PER_DAY, DAY), number),
            (FailureLimiter("supplement-client", SUPPLEMENT_PER_CLIENT_PER_HOUR, HOUR), client_ident(request)),
        )
    )


def password_resend_limits(request, number: str) -> RateCheck:
    return RateCheck(
        (
            (FailureLimiter("password-resend-client", PASSWORD_RESEND_PER_CLIENT_PER_HOUR, HOUR), client_ident(request)),
            (FailureLimiter("password-resend-case", PASSWORD_RESEND_PER_CASE_PER_DAY, DAY), (number or "").strip().upper()),
        )
    )
