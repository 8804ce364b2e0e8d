"""The API's input layer for the case actions: one request serializer per action of
`casesys.cases.actions` (names, labels, service calls and availability come from there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from casesys.api import serializers as s
from casesys.cases.actions import ACTIONS, CaseAction, available_actions
from casesys.cases.models import Case
from casesys.cohandling.actions import PART_ACTIONS, PartAction, available_part_actions

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


class _Described:
    """A transition's name and its OpenAPI summary, from its core action."""

    action: Any

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def summary(self) -> str:
        return str(self.action.label)


@dataclass(frozen=True)
class TransitionSpec(_Described):
    action: CaseAction
    serializer: type[serializers.Serializer]

    def run(self, case: Case, by, data: Mapping[str, Any]) -> Any:
        return self.action.execute(case=case, by=by, data=data)


SPECS: dict[str, TransitionSpec] = {name: TransitionSpec(action, SERIALIZERS[name]) for name, action in ACTIONS.items()}


def available_transitions(case: Case, user) -> list[str]:
    """Names the user may run on the case right now, in the UI's order."""
    return [a.name for a in available_actions(case, user)]


# --- co-handling parts (主辦 / 協辦): POST /cases/{number}/parts/{id}/transitions/{name}/ --------
# The part actions' table is `casesys.cohandling.actions`; a serializer per action here.

PART_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "accept": s.AcceptSerializer,
    "assign": s.PartAssignSerializer,
    "submit_reply": s.SubmitReplySerializer,
    "approve": s.ApproveSerializer,
    "return_reply": s.ReturnReplySerializer,
    "return_to_lead": s.ReasonSerializer,
    "decide_return": s.PartDecideReturnSerializer,
    "withdraw": s.NoteMixin,
}
assert set(PART_SERIALIZERS) == set(PART_ACTIONS), "every part action needs an API serializer, and no other"


@dataclass(frozen=True)
class PartTransitionSpec(_Described):
    action: PartAction
    serializer: type[serializers.Serializer]

    def run(self, part, by, data: Mapping[str, Any]) -> Any:
        return self.action.execute(part=part, by=by, data=data)


PART_SPECS: dict[str, PartTransitionSpec] = {
    name: PartTransitionSpec(action, PART_SERIALIZERS[name]) for name, action in PART_ACTIONS.items()
}


def available_part_transitions(part, user) -> list[str]:
    return [a.name for a in available_part_actions(part, user)]
