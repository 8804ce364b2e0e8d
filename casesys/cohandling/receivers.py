"""Reactions to the case's own events (sent inside the transaction that wrote them)."""

from __future__ import annotations

from casesys.cases.models import Case

# The case left the agency without an answer: nobody is left to consolidate the parts.
_LEAVES = {"transferred": "案件已移文 / The case was transferred.",
           "filed": "案件已存查 / The case was filed.",
           "merged": "案件已併案 / The case was merged."}
# The case's deadline moved: default sub-deadlines follow it.
_DEADLINE_MOVED = {"extension_approved", "due_recomputed", "reopened"}


def on_case_event(sender, case: Case, event, context, **kwargs) -> None:
    from casesys.cohandling import notices, services

    kind = event.kind
    if kind in _LEAVES:
        services.parts_withdraw_for_closed_case(case=case, because=_LEAVES[kind])
    elif kind in _DEADLINE_MOVED:
        services.parts_follow_case_deadline(case=case)
    elif kind in notices.HANDLED:
        notices.on_part_event(case=case, event=event, context=context)
