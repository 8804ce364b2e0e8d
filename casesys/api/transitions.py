"""The API's input layer for the case actions: one request serializer per action of
`casesys.cases.actions` (names, labels, service calls and availability come from there)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from casesys.api import serializers as s
from casesys.cases.actions import ACTIONS, CaseAction, available_actions
from casesys.cases.models import Case
from casesys.cohandling import services as cohandling

SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "dispatch": s.DispatchSerializer,
    "accept": s.AcceptSerializer,
    "assign": s.AssignSerializer,
    "submit_reply": s.SubmitReplySerializer,
    "approve": s.ApproveSerializer,
    "return_reply": s.ReturnReplySerializer,
    "request_extension": s.RequestExtensionSerializer,
    "decide_extension": s.DecideExtensionSerializer,
    "return_to_intake": s.ReasonSerializer,
    "transfer": s.TransferSerializer,
    "file": s.FileSerializer,
    "merge": s.MergeSerializer,
    "reopen": s.ReasonSerializer,
}
assert set(SERIALIZERS) == set(ACTIONS), "every case action needs an API serializer, and no other"


@dataclass(frozen=True)
class TransitionSpec:
    action: CaseAction
    serializer: type[serializers.Serializer]

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def summary(self) -> str:
        return str(self.action.label)

    def run(self, case: Case, by, data: Mapping[str, Any]) -> Any:
        return self.action.execute(case=case, by=by, data=data)


SPECS: dict[str, TransitionSpec] = {name: TransitionSpec(action, SERIALIZERS[name]) for name, action in ACTIONS.items()}


def available_transitions(case: Case, user) -> list[str]:
    """Names the user may run on the case right now, in the UI's order."""
    return [a.name for a in available_actions(case, user)]


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
