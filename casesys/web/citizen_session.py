"""How the citizen portal remembers which cases this browser may see, and for how long.

After a correct number + password the case number is kept in the session, so the status
page and the survey work without typing the password again. On a shared or borrowed
device that must not outlive the visit: the session cookie of a citizen lives only until
the browser closes (no max-age), and the remembered cases are forgotten after
`CASESYS_CITIZEN_SESSION_IDLE_MINUTES` (30) without a portal request, or at once with the
"忘記此案件 / Forget this case" button. A signed-in staff member keeps their own
(working-day) session expiry; see `casesys.web.staff_session`.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY

CASES_KEY = "portal_cases"
SEEN_KEY = "portal_seen"
DONE_KEY = "mailbox_done"
_PORTAL_KEYS = (CASES_KEY, SEEN_KEY, DONE_KEY)


def _idle_seconds() -> int:
    return int(getattr(settings, "CASESYS_CITIZEN_SESSION_IDLE_MINUTES", 30)) * 60


def _touch(request) -> None:
    request.session[SEEN_KEY] = int(time.time())
    if AUTH_SESSION_KEY not in request.session:
        # Browser-session cookie: gone when the browser closes.
        request.session.set_expiry(0)


def _forget_all(request) -> None:
    for key in _PORTAL_KEYS:
        request.session.pop(key, None)


def _fresh(request) -> bool:
    """False (and the portal's data dropped) when the citizen has been idle too long."""
    seen = request.session.get(SEEN_KEY)
    if seen is None or time.time() - float(seen) > _idle_seconds():
        if any(key in request.session for key in _PORTAL_KEYS):
            _forget_all(request)
        return False
    return True


def remember_case(request, number: str) -> None:
    if not _fresh(request):
        allowed: list[str] = []
    else:
        allowed = list(request.session.get(CASES_KEY, []))[-9:]
    if number not in allowed:
        allowed.append(number)
    request.session[CASES_KEY] = allowed
    _touch(request)


def may_see(request, number: str) -> bool:
    """This browser looked the case up (and has not been idle since); renews the idle timer."""
    if not _fresh(request) or number not in request.session.get(CASES_KEY, []):
        return False
    _touch(request)
    return True


def keep_once(request, data: dict) -> None:
    """Data for the very next page only (the mailbox's number and password)."""
    request.session[DONE_KEY] = data
    _touch(request)


def take_once(request) -> dict | None:
    if not _fresh(request):
        return None
    return request.session.pop(DONE_KEY, None)


def forget_case(request, number: str) -> None:
    remaining = [n for n in request.session.get(CASES_KEY, []) if n != number]
    if remaining:
        request.session[CASES_KEY] = remaining
    else:
        _forget_all(request)
