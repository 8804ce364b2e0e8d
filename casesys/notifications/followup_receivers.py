"""The petitioner's notice for a follow-up (回訪) closed with a second reply: the reply's
text, through the channel they used (`notify_citizen`), queued in the transaction that
recorded it."""

from __future__ import annotations

from casesys.cases.events import CaseEventKind
from casesys.notifications.receivers import _base
from casesys.notifications.services import notify_citizen


def on_case_event_for_follow_up(sender, case, event, context, **kwargs) -> None:
    if event.kind != CaseEventKind.SECOND_REPLY:
        return
    notify_citizen(
        case=case,
        template="case_second_reply",
        context={**_base(case), "reply": context.get("reply") or event.note},
        dedupe_key=f"citizen:second_reply:{event.pk}",
    )
