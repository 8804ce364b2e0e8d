"""Signed links in citizen notices: open one case's status page or survey without the password.

A link carries a token made with Django's `signing.TimestampSigner` (HMAC with ``SECRET_KEY``,
a salt per purpose) over the case number in the link and the time it was made; the token is
the time and signature only (the number is already in the path), which keeps an SMS short. Nothing is stored: a
token cannot be revoked one by one, but it opens only the citizen's view of that one case,
and only for as long as below.

* **status** (every notice's "progress" link): valid while the case is open, and until
  `STATUS_DAYS_AFTER_CLOSE` (30) days after it was closed (closed, transferred, filed or
  merged). The closing time is read when the link is *opened*, so a reopened case's old
  links work again and a case closed later ends its links 30 days after that.
* **survey** (the survey invitation): `SURVEY_LINK_DAYS` (the survey window,
  ``CASESYS_SURVEY_WINDOW_DAYS``, 7) days from when the invitation was written.

The token travels as the ``token`` query parameter: the log filter (`casesys.logconf`)
blanks ``token=`` values and the access log writes the path only; the view that opens a link
redirects to the plain status URL at once, and the site's ``Referrer-Policy: same-origin``
keeps the address from other sites.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.utils import timezone

STATUS_SALT = "casesys.citizen-link.status"
SURVEY_SALT = "casesys.citizen-link.survey"
STATUS_DAYS_AFTER_CLOSE = 30


class Purpose(enum.Enum):
    STATUS = STATUS_SALT
    SURVEY = SURVEY_SALT


class LinkProblem(enum.Enum):
    BAD = "bad"  # tampered, truncated, another purpose's token or another case's
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkCheck:
    case: object | None
    problem: LinkProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.case is not None


def survey_link_days() -> int:
    return int(settings.CASESYS["SURVEY_WINDOW_DAYS"])


# 22 base64 characters = 132 bits of the HMAC-SHA256: far beyond guessing a link online, and
# 21 characters shorter than the whole signature, which keeps a Chinese SMS with its link
# within two segments (67 characters each).
SIGNATURE_CHARS = 22


class _LinkSigner(signing.TimestampSigner):
    """Django's TimestampSigner with a truncated signature and a separator that needs no
    percent-encoding in a query string ("." instead of ":")."""

    def __init__(self, *, salt: str):
        super().__init__(salt=salt, sep=".")

    def signature(self, value, key=None):
        return super().signature(value, key)[:SIGNATURE_CHARS]


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return _LinkSigner(salt=purpose.value)


def make_token(case, purpose: Purpose) -> str:
    signed = _signer(purpose).sign(case.number)
    return signed[len(case.number) + 1 :]  # "<timestamp>.<signature>"


def _base_url() -> str:
    return settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")


def status_link(case) -> str:
    return f"{_base_url()}/status/{case.number}/open/?{urlencode({'token': make_token(case, Purpose.STATUS)})}"


def survey_link(case) -> str:
    return f"{_base_url()}/status/{case.number}/survey/open/?{urlencode({'token': make_token(case, Purpose.SURVEY)})}"


def status_link_ends(case) -> dt.datetime | None:
    """When the case's status links stop working; None while the case is open."""
    from casesys.cases.models import FINAL_STATES

    if case.state not in FINAL_STATES or case.closed_at is None:
        return None
    return case.closed_at + dt.timedelta(days=STATUS_DAYS_AFTER_CLOSE)


def check_token(token: str, *, number: str, purpose: Purpose, now: dt.datetime | None = None) -> LinkCheck:
    """The case a token opens, or why it does not: the signature first, then that it names
    the case in the address, then its lifetime (the survey's from the signature's time, the
    status link's from the case's closing time now)."""
    from casesys.cases.models import Case

    token = (token or "").strip()
    if not token or len(token) > 200 or not number or len(number) > 32:
        return LinkCheck(None, LinkProblem.BAD)
    max_age = dt.timedelta(days=survey_link_days()) if purpose is Purpose.SURVEY else None
    try:
        _signer(purpose).unsign(f"{number}.{token}", max_age=max_age)
    except signing.SignatureExpired:
        return LinkCheck(None, LinkProblem.EXPIRED)
    except signing.BadSignature:
        return LinkCheck(None, LinkProblem.BAD)
    case = Case.objects.filter(number=number).first()
    if case is None:
        return LinkCheck(None, LinkProblem.BAD)
    if purpose is Purpose.STATUS:
        ends = status_link_ends(case)
        if ends is not None and (now or timezone.now()) > ends:
            return LinkCheck(None, LinkProblem.EXPIRED)
    return LinkCheck(case)
