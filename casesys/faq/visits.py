"""The mailbox visit's key in the citizen's session (deflection, docs/faq.md).

A random key, made when a citizen first opens an FAQ entry from the mailbox's suggestions and
kept in their browser session (the session cookie of a citizen ends with the browser); a
letter sent from the same session marks the visit as submitted. Nothing else about the
citizen is stored: no address, no agent string, no session id.
"""

from __future__ import annotations

from casesys.faq.models import FaqEntry
from casesys.faq.services import mailbox_faq_viewed, mailbox_submitted, new_visit_key

SESSION_KEY = "faq_mailbox_visit"


def record_view(request, entry: FaqEntry) -> None:
    key = request.session.get(SESSION_KEY)
    if not key:
        key = new_visit_key()
        request.session[SESSION_KEY] = key
        if not request.user.is_authenticated:
            request.session.set_expiry(0)
    mailbox_faq_viewed(key=key, entry=entry)


def record_submitted(request) -> None:
    key = request.session.pop(SESSION_KEY, None)
    if key:
        mailbox_submitted(key=key)
