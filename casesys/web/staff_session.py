"""Staff sessions last one working day from log-in (`CASESYS_STAFF_SESSION_HOURS`, 10),
not Django's two weeks: a desk PC left signed in overnight asks for the password again.

The expiry is a fixed time (not renewed by activity), set on every log-in path that uses
Django's `login()`: the desk's log-in page and the admin.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone


def staff_session_hours() -> int:
    return int(getattr(settings, "CASESYS_STAFF_SESSION_HOURS", 10))


@receiver(user_logged_in, dispatch_uid="casesys.web.staff_session_expiry")
def _expire_after_a_working_day(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.set_expiry(timezone.now() + dt.timedelta(hours=staff_session_hours()))
