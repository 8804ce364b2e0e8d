"""A case as whoever holds its number and password sees it: the status page, the track API
and the chat status reply.

The password can be forwarded, guessed (within the limiter) or read over a shoulder, so the
page is treated as public: every free text on it goes through the shared scrubber
(`identity.scrub_public`), including the petitioner's own subject and the reply written to
them. A merged case shows the reply of the case that carried it, scrubbed of what both
cases record about their petitioners.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casesys.cases.identity import scrub_public
from casesys.cases.models import Case


@dataclass(frozen=True)
class PublicEntry:
    at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class PublicCaseTexts:
    subject: str
    reply: str | None
    transferred_to: str
    timeline: list[PublicEntry]
    second_replies: list[PublicEntry]


def public_case_texts(case: Case, *, carrier: Case | None = None) -> PublicCaseTexts:
    """The free texts of `case` for its status page, scrubbed. `carrier`: the case a merged
    case was merged into, when the caller already has it."""
    from casesys.cases.outcomes import case_carrier, public_reply
    from casesys.cases.selectors import case_public_timeline, case_second_replies

    carrier = carrier if carrier is not None else case_carrier(case)
    cases = [case, carrier]
    reply = public_reply(case)
    return PublicCaseTexts(
        subject=scrub_public(case.subject, cases=cases),
        reply=scrub_public(reply, cases=cases) if reply else None,
        transferred_to=scrub_public(case.transferred_to, cases=cases),
        timeline=[PublicEntry(e.at, scrub_public(e.public_text, cases=cases)) for e in case_public_timeline(case)],
        second_replies=[
            PublicEntry(fu.closed_at, scrub_public(fu.note, cases=cases)) for fu in case_second_replies(case)
        ],
    )
