"""Log-in lockouts for every password log-in (admin, the web UI's LoginView, API tokens). The
failure counter the public endpoints share is casesys.common.limits.FailureLimiter.

`ThrottledModelBackend` is Django's ModelBackend behind django-axes: axes records each failed
log-in (its `user_login_failed` receiver) in the database, keyed by the *pair* of username and
client address (`AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`), so a guesser locks
only that username from that address: failures from one address cannot lock every staff
member out, and failures from anywhere cannot lock a staff member out of their own desk.
Administrators see and lift lockouts in the admin (Axes → access attempts: delete the row).
The client address is casesys.common.clientip's.

Once a pair has `CASESYS_LOGIN_MAX_FAILURES` failures within `CASESYS_LOGIN_FAILURE_WINDOW`
seconds, log-ins for it are refused, even with the right password, until the window after the
last failure is over. The refusal is a `LoginThrottled` error, a Django ValidationError, so the
admin's and LoginView's forms show its message ("請於 N 分鐘後再試") and DRF serializers turn
it into a 400; callers that want 429 catch it.
"""

from __future__ import annotations

import datetime as dt

from axes.backends import AxesBackend
from axes.exceptions import AxesBackendRequestParameterRequired
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils import timezone

MESSAGE = "登入失敗次數過多，請於 {minutes} 分鐘後再試 / Too many failed log-ins; try again in {minutes} minutes."


class LoginThrottled(ValidationError):
    def __init__(self, wait: int):
        self.wait = wait
        minutes = max(1, (wait + 59) // 60)
        super().__init__(MESSAGE.format(minutes=minutes), code="login_throttled")


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: failed log-ins a (username, address) pair may have per window."""
    return int(settings.CASESYS.get("LOGIN_MAX_FAILURES_PER_USER", 5))


def cool_off(request=None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long a pair stays locked after its last failure."""
    return dt.timedelta(seconds=int(settings.CASESYS.get("LOGIN_FAILURE_WINDOW_SECONDS", 900)))


def lockout_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the username as typed, trimmed and case-folded, so
    "OFFICER" is the same account for the counter."""
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD
    value = None
    if credentials:
        value = credentials.get(field) or credentials.get("username")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get(field) or data.get("username")
    return str(value).strip().lower() if value is not None else None


def lockout_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: casesys.common.clientip's address (None if there is none:
    axes stores it in an inet column)."""
    from casesys.common.clientip import client_address

    addr = client_address(request)
    return str(addr) if addr is not None else None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE, called by AxesMiddleware for the request whose failure reached
    the limit. That request already got its answer ("wrong password"); the lockout shows from
    the next attempt on, through `LoginThrottled` (the form error or the API's 429)."""
    if original_response is not None and not isinstance(original_response, dict):
        return original_response
    from django.http import HttpResponse

    wait = int(cool_off(request).total_seconds())
    response = HttpResponse(LoginThrottled(wait).messages[0], status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


def lockout_wait(request, credentials: dict) -> int:
    """Seconds until the pair's lockout ends (the window after its last failure)."""
    from axes.handlers.proxy import AxesProxyHandler

    handler = AxesProxyHandler.get_implementation()
    latest = None
    for attempts in handler.get_user_attempts(request, credentials):
        newest = attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
        if newest is not None and (latest is None or newest > latest):
            latest = newest
    if latest is None:
        return int(cool_off(request).total_seconds())
    return max(1, int((latest + cool_off(request) - timezone.now()).total_seconds()))


class ThrottledModelBackend(AxesBackend):
    """ModelBackend that refuses a locked (username, address) pair with `LoginThrottled`.

    A subclass of axes' backend (its system checks look for one); instead of axes' bare
    PermissionDenied it raises the form error with the wait, and it does not count the refused
    attempt, so a lockout ends on time."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from axes.handlers.proxy import AxesProxyHandler
        from axes.helpers import get_credentials

        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        if request is None:
            # The counter is per client address: a log-in without a request cannot be limited.
            raise AxesBackendRequestParameterRequired("Password log-ins need the request (client address).")
        credentials = get_credentials(username=username, password=password, **kwargs)
        if not AxesProxyHandler.is_allowed(request, credentials):
            raise LoginThrottled(lockout_wait(request, credentials))
        user = ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
        if user is not None and settings.AXES_RESET_ON_SUCCESS:
            # The API token endpoint never calls login(), where axes resets on success.
            AxesProxyHandler.get_implementation().reset_user_attempts(request, credentials)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
