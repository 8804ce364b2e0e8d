"""Transition name → request serializer and the service that runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from casesys.api import serializers as s
from casesys.cases import services
from casesys.cases.models import Case
from casesys.cases.workflow import TRANSITION_NAMES
from casesys.cohandling import services as cohandling


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    serializer: type[serializers.Serializer]
    run: Callable[..., Any]
    summary: str


SPECS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in [
        TransitionSpec(
            "dispatch",
            s.DispatchSerializer,
            lambda case, by, d: cohandling.case_dispatch_with_co_handlers(
                case=case, department=d["department"], co_departments=d.get("co_departments") or [], note=d["note"], by=by
            ),
            "分文（可同時指定協辦單位）/ Dispatch to a department (and co-handling departments)",
        ),
        TransitionSpec("accept", s.AcceptSerializer, lambda case, by, d: services.case_accept(case=case, by=by), "收案 / Accept"),
        TransitionSpec(
            "assign",
            s.AssignSerializer,
            lambda case, by, d: services.case_assign(case=case, assignee=d["assignee"], note=d["note"], by=by),
            "指派承辦人 / Assign an officer",
        ),
        TransitionSpec(
            "submit_reply",
            s.SubmitReplySerializer,
            lambda case, by, d: services.case_submit_reply(case=case, reply=d["reply"], by=by),
            "送出答復 / Submit the reply for approval",
        ),
        TransitionSpec(
            "approve",
            s.ApproveSerializer,
            lambda case, by, d: services.case_approve(case=case, note=d["note"], by=by),
            "核定結案 / Approve and close",
        ),
        TransitionSpec(
            "return_reply",
            s.ReturnReplySerializer,
            lambda case, by, d: services.case_return_reply(case=case, comment=d["comment"], by=by),
            "退回修正 / Return the reply for revision",
        ),
        TransitionSpec(
            "request_extension",
            s.RequestExtensionSerializer,
            lambda case, by, d: services.case_request_extension(
                case=case, days=d["days"], reason=d["reason"], status_text=d["status_text"], by=by
            ),
            "申請展延 / Request an extension",
        ),
        TransitionSpec(
            "decide_extension",
            s.DecideExtensionSerializer,
            lambda case, by, d: services.case_decide_extension(case=case, approve=d["approve"], note=d["note"], by=by),
            "核定展延 / Decide a pending extension",
        ),
        TransitionSpec(
            "return_to_intake",
            s.ReasonSerializer,
            lambda case, by, d: services.case_return_to_intake(case=case, reason=d["reason"], by=by),
            "退回分文 / Return to intake",
        ),
        TransitionSpec(
            "transfer",
            s.TransferSerializer,
            lambda case, by, d: services.case_transfer(
                case=case, agency=d["agency"], reason=d["reason"], site_visit=d["site_visit"], by=by
            ),
            "移文 / Transfer to another agency",
        ),
        TransitionSpec(
            "file",
            s.FileSerializer,
            lambda case, by, d: services.case_file(
                case=case, reason_code=d["reason_code"], note=d["note"], repeat_of=d["repeat_of"], by=by
            ),
            "存查 / File for reference",
        ),
        TransitionSpec(
            "merge",
            s.MergeSerializer,
            lambda case, by, d: services.case_merge(case=case, into=d["into"], note=d["note"], by=by),
            "併案 / Merge into another case",
        ),
        TransitionSpec(
            "reopen",
            s.ReasonSerializer,
            lambda case, by, d: services.case_reopen(case=case, reason=d["reason"], by=by),
            "重新處理 / Reopen",
        ),
    ]
}
assert list(SPECS) == TRANSITION_NAMES, "every workflow transition needs an API spec"


def available_transitions(case: Case, user) -> list[str]:
    """Names the user may run on the case right now, in the UI's order."""
    names = {t.name for t in case.get_available_user_state_transitions(user)}
    return [n for n in TRANSITION_NAMES if n in names]



# --- co-handling parts (主辦 / 協辦): POST /cases/{number}/parts/{id}/transitions/{name}/ --------
# Kept apart so the block can move into the single table of transitions as it is.


@dataclass(frozen=True)
class PartTransitionSpec:
    name: str
    serializer: type[serializers.Serializer]
    run: Callable[..., Any]
    summary: str


PART_SPECS: dict[str, PartTransitionSpec] = {
    spec.name: spec
    for spec in [
        PartTransitionSpec("accept", s.AcceptSerializer, lambda part, by, d: cohandling.part_accept(part=part, by=by),
                           "協辦簽收 / Accept the part"),
        PartTransitionSpec(
            "assign", s.PartAssignSerializer,
            lambda part, by, d: cohandling.part_assign(part=part, officer=d["officer"], note=d["note"], by=by),
            "指派協辦人 / Assign the part's officer",
        ),
        PartTransitionSpec(
            "submit_reply", s.SubmitReplySerializer,
            lambda part, by, d: cohandling.part_submit_reply(part=part, reply=d["reply"], by=by),
            "送出協辦答復 / Submit the part reply for approval",
        ),
        PartTransitionSpec("approve", s.ApproveSerializer,
                           lambda part, by, d: cohandling.part_approve(part=part, note=d["note"], by=by),
                           "核定協辦答復 / Approve the part reply"),
        PartTransitionSpec(
            "return_reply", s.ReturnReplySerializer,
            lambda part, by, d: cohandling.part_return_reply(part=part, comment=d["comment"], by=by),
            "協辦答復退回修正 / Return the part reply for revision",
        ),
        PartTransitionSpec(
            "return_to_lead", s.ReasonSerializer,
            lambda part, by, d: cohandling.part_return_to_lead(part=part, reason=d["reason"], by=by),
            "非屬本單位，退回主辦 / Not ours: return the part to the lead",
        ),
        PartTransitionSpec(
            "decide_return", s.PartDecideReturnSerializer,
            lambda part, by, d: cohandling.part_decide_return(part=part, release=d["release"], note=d["note"], by=by),
            "決定協辦退回（免協辦／仍請協辦）/ Decide a returned part (release or re-impose)",
        ),
        PartTransitionSpec("withdraw", s.NoteMixin,
                           lambda part, by, d: cohandling.part_withdraw(part=part, note=d["note"], by=by),
                           "撤銷協辦 / Withdraw the part"),
    ]
}


def _check_part_names() -> None:
    from casesys.cohandling.workflow import PART_TRANSITION_NAMES

    assert list(PART_SPECS) == PART_TRANSITION_NAMES, "every part transition needs an API spec"


_check_part_names()


def available_part_transitions(part, user) -> list[str]:
    from casesys.cohandling.workflow import PART_TRANSITION_NAMES

    names = {t.name for t in part.get_available_user_state_transitions(user)}
    return [n for n in PART_TRANSITION_NAMES if n in names]
