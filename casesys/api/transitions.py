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
            lambda case, by, d: services.case_dispatch(case=case, department=d["department"], note=d["note"], by=by),
            "分文 / Dispatch to a department",
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
