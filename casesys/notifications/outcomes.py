"""Citizen notices for the outcomes `receivers` does not cover: filed, merged, reopened, and the
carrying case's reply sent to the petitioners of the cases merged into it.

Runs in the transaction that recorded the event, like `receivers.on_case_event`.
"""

from __future__ import annotations

from casesys.cases.events import CaseEventKind
from casesys.cases.outcomes import filed_reason_words, merged_into_chain
from casesys.notifications.receivers import _base, _fmt
from casesys.notifications.services import citizen_route, notify_citizen


def on_case_outcome(sender, case, event, context, **kwargs) -> None:
    kind = event.kind
    if kind == CaseEventKind.FILED:
        zh, en = filed_reason_words(case.filed_reason)
        notify_citizen(
            case=case,
            template="case_filed",
            # The reply repeats the reason except for a repeat, where it cites the earlier answer.
            context={
                **_base(case),
                "reason": zh,
                "reason_en": en,
                "reply": case.reply if case.filed_reason == "repeat" else "",
            },
            dedupe_key=f"citizen:filed:{event.pk}",
        )
    elif kind == CaseEventKind.MERGED:
        into = case.merged_into
        notify_citizen(
            case=case,
            template="case_merged",
            context={**_base(case), "into": into.number if into else "", "into_due": _fmt(into.due_at) if into else ""},
            dedupe_key=f"citizen:merged:{event.pk}",
        )
    elif kind == CaseEventKind.REOPENED:
        notify_citizen(
            case=case,
            template="case_reopened",
            context={
                **_base(case),
                "reason": context.get("reason") or event.note,
                # Only a deadline still ahead is news; an old one kept by the reopening is not.
                "due": _fmt(case.due_at) if case.due_at and case.due_at > event.at else "",
            },
            dedupe_key=f"citizen:reopened:{event.pk}",
        )
    elif kind == CaseEventKind.CLOSED:
        send_reply_to_merged(case=case, event=event, reply=context.get("reply") or case.reply)
    elif kind == CaseEventKind.TRANSFERRED:
        # The carrying case went to another agency: so did the matters merged into it.
        agency, reason = context.get("agency", case.transferred_to), context.get("reason", "")
        _notify_merged(
            case=case,
            event=event,
            template="case_transferred",
            context=lambda other: {**_base(other), "agency": agency, "reason": reason},
            key="merged-transfer",
        )


def _recipient_key(case) -> tuple | None:
    route = citizen_route(case)
    if route.channel is not None:
        return (route.channel, route.address)
    pet = case.petitioner
    if pet is None:
        return None  # anonymous: each case keeps its own "could not be routed" trace
    return ("person", pet.phone_key or pet.email_key or pet.pk)


def send_reply_to_merged(*, case, event, reply: str) -> int:
    """One notice per petitioner of a case merged into `case`, through their own channel,
    none to a person who already gets the reply (the same route or the same petitioner)."""
    return _notify_merged(
        case=case,
        event=event,
        template="case_merged_reply",
        context=lambda other: {**_base(other), "carrier": case.number, "reply": reply},
        key="merged-reply",
    )


def _notify_merged(*, case, event, template: str, context, key: str) -> int:
    merged = merged_into_chain(case)
    if not merged:
        return 0
    carrier_person = _recipient_key(case)
    seen = {carrier_person} if carrier_person is not None else set()
    sent = 0
    for other in merged:
        person = _recipient_key(other)
        if person is not None and person in seen:
            continue
        if person is not None:
            seen.add(person)
        result = notify_citizen(
            case=other, template=template, context=context(other), dedupe_key=f"citizen:{key}:{event.pk}:{other.pk}"
        )
        sent += result is not None
    return sent
