"""The desk's input layer for the case actions: one form per action of `casesys.cases.actions`
(names, labels, service calls and availability come from there), plus the button's style."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from casesys.cases import actions as core
from casesys.cases.models import Case
from casesys.cases.selectors import cases_visible_to
from casesys.cohandling import services as cohandling
from casesys.web import forms as f


@dataclass(frozen=True)
class Action:
    action: core.CaseAction
    form: type[f.ActionForm]
    style: str = ""  # "primary" | "danger" | ""
    needs_case: bool = False  # form takes the case (choices depend on it)
    # The form's cleaned data → the action's data (e.g. a typed case number → the case).
    resolve: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def zh(self) -> str:
        return str(self.action.label).partition(" / ")[0].strip()

    @property
    def en(self) -> str:
        return str(self.action.label).partition(" / ")[2].strip()

    def run(self, case: Case, data: dict[str, Any], user) -> Any:
        if self.resolve is not None:
            data = self.resolve(data, user)
        return self.action.execute(case=case, by=user, data=data)


def _case_by_number(user, number: str, field: str) -> Case:
    other = cases_visible_to(user).filter(number=(number or "").strip()).first()
    if other is None:
        raise ValidationError({field: ["找不到此案號 / No such case."]})
    return other


def _resolve_repeat_of(d: dict[str, Any], user) -> dict[str, Any]:
    return {**d, "repeat_of": _case_by_number(user, d["repeat_of"], "repeat_of") if d.get("repeat_of") else None}


def _resolve_into(d: dict[str, Any], user) -> dict[str, Any]:
    return {**d, "into": _case_by_number(user, d["into"], "into")}


_FORMS: dict[str, dict[str, Any]] = {
    "dispatch": {"form": f.DispatchForm, "style": "primary"},
    "accept": {"form": f.AcceptForm, "style": "primary"},
    "assign": {"form": f.AssignForm, "needs_case": True},
    "submit_reply": {"form": f.ReplyForm, "style": "primary", "needs_case": True},
    "approve": {"form": f.ApproveForm, "style": "primary"},
    "return_reply": {"form": f.ReturnReplyForm},
    "request_extension": {"form": f.RequestExtensionForm},
    "decide_extension": {"form": f.DecideExtensionForm, "style": "primary"},
    "return_to_intake": {"form": f.ReturnToIntakeForm},
    "transfer": {"form": f.TransferForm, "style": "danger"},
    "file": {"form": f.FileForm, "style": "danger", "resolve": _resolve_repeat_of},
    "merge": {"form": f.MergeForm, "style": "danger", "resolve": _resolve_into},
    "reopen": {"form": f.ReopenForm},
}
assert set(_FORMS) == set(core.ACTIONS), "every case action needs a desk form, and no other"

ACTIONS: dict[str, Action] = {name: Action(action, **_FORMS[name]) for name, action in core.ACTIONS.items()}


def available_actions(case: Case, user) -> list[Action]:
    """Only the actions this user may run on this case right now, in the UI's order."""
    return [ACTIONS[a.name] for a in core.available_actions(case, user)]


def build_form(action: Action, case: Case, data=None) -> f.ActionForm:
    kwargs = {"case": case} if action.needs_case else {}
    if data is None:
        return action.form(initial={"version": case.version}, prefix=action.name, **kwargs)
    return action.form(data, prefix=action.name, **kwargs)


# --- co-handling parts (主辦 / 協辦): the part panel's buttons, one per part transition -------
# Kept apart so the block can move into the single table of transitions as it is.


@dataclass(frozen=True)
class PartAction:
    name: str
    zh: str
    en: str
    form: type
    run: Callable[..., object]
    style: str = ""
    needs_part: bool = False


def _part_forms():
    from casesys.web import forms_cohandling as pf

    return pf


def _part_actions() -> dict[str, PartAction]:
    pf = _part_forms()
    return {
        a.name: a
        for a in [
            PartAction("accept", "協辦簽收", "Accept the part", pf.PartAcceptForm,
                       lambda p, d, u: cohandling.part_accept(part=p, by=u), "primary"),
            PartAction("assign", "指派協辦人", "Assign the part", pf.PartAssignForm,
                       lambda p, d, u: cohandling.part_assign(part=p, officer=d["officer"], note=d.get("note", ""), by=u),
                       needs_part=True),
            PartAction("submit_reply", "送出協辦答復（陳核）", "Submit the part reply", pf.PartReplyForm,
                       lambda p, d, u: cohandling.part_submit_reply(part=p, reply=d["reply"], by=u), "primary"),
            PartAction("approve", "核定協辦答復", "Approve the part reply", pf.PartApproveForm,
                       lambda p, d, u: cohandling.part_approve(part=p, note=d.get("note", ""), by=u), "primary"),
            PartAction("return_reply", "協辦答復退回修正", "Return the part reply", pf.PartReturnReplyForm,
                       lambda p, d, u: cohandling.part_return_reply(part=p, comment=d["comment"], by=u)),
            PartAction("return_to_lead", "非屬本單位，退回主辦", "Not ours: return to the lead", pf.PartReturnToLeadForm,
                       lambda p, d, u: cohandling.part_return_to_lead(part=p, reason=d["reason"], by=u), "danger"),
            PartAction("decide_return", "決定協辦退回", "Decide the returned part", pf.PartDecideReturnForm,
                       lambda p, d, u: cohandling.part_decide_return(
                           part=p, release=d["decision"] == "release", note=d.get("note", ""), by=u), "primary"),
            PartAction("withdraw", "撤銷協辦", "Withdraw the part", pf.PartWithdrawForm,
                       lambda p, d, u: cohandling.part_withdraw(part=p, note=d.get("note", ""), by=u), "danger"),
        ]
    }


PART_ACTIONS: dict[str, PartAction] = _part_actions()


def available_part_actions(part, user) -> list[PartAction]:
    from casesys.cohandling.workflow import PART_TRANSITION_NAMES

    names = {t.name for t in part.get_available_user_state_transitions(user)}
    return [PART_ACTIONS[n] for n in PART_TRANSITION_NAMES if n in names]


def build_part_form(action: PartAction, part, data=None):
    kwargs = {"part": part} if action.needs_part else {}
    prefix = f"part{part.pk}-{action.name}"
    if data is None:
        return action.form(initial={"version": part.version}, prefix=prefix, **kwargs)
    return action.form(data, prefix=prefix, **kwargs)
