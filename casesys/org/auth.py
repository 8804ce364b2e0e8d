"""Login throttling for every password login (admin, the web UI's LoginView, API tokens).

`ThrottledModelBackend` is Django's ModelBackend plus failure counters in the cache:
per username and per client address. Once a counter reaches its limit, logins for that
username (or from that address) are refused, even with the right password, until the
window is over. The refusal is a `LoginThrottled` error, a Django ValidationError, so the
admin's and LoginView's forms show its message and DRF serializers turn it into a 400;
callers that want 429 catch it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError


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


MESSAGE = "登入失敗次數過多，請於 {minutes} 分鐘後再試 / Too many failed log-ins; try again in {minutes} minutes."


class LoginThrottled(ValidationError):
    def __init__(self, wait: int):
        self.wait = wait
        minutes = max(1, (wait + 59) // 60)
        super().__init__(MESSAGE.format(minutes=minutes), code="login_throttled")


def _limiters() -> tuple[FailureLimiter, FailureLimiter]:
    conf = settings.CASESYS
    window = conf.get("LOGIN_FAILURE_WINDOW_SECONDS", 900)
    return (
        FailureLimiter("login-user", conf.get("LOGIN_MAX_FAILURES_PER_USER", 5), window),
        FailureLimiter("login-ip", conf.get("LOGIN_MAX_FAILURES_PER_IP", 20), window),
    )


def _client_ip(request) -> str:
    if request is None:
        return ""
    meta = getattr(request, "META", {}) or {}
    return str(meta.get("REMOTE_ADDR") or "")


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        user_limiter, ip_limiter = _limiters()
        user_key = str(username).strip().lower()
        ip = _client_ip(request)
        wait = max(user_limiter.retry_after(user_key), ip_limiter.retry_after(ip) if ip else 0)
        if wait:
            raise LoginThrottled(wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            user_limiter.record_failure(user_key)
            if ip:
                ip_limiter.record_failure(ip)
        else:
            user_limiter.reset(user_key)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
