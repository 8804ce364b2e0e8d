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
from casesys.cohandling import actions as part_core
from casesys.web import forms as f


class _Labelled:
    """A button's name and the two halves of its core action's "中文 / English" label."""

    action: Any

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def zh(self) -> str:
        return str(self.action.label).partition(" / ")[0].strip()

    @property
    def en(self) -> str:
        return str(self.action.label).partition(" / ")[2].strip()


@dataclass(frozen=True)
class Action(_Labelled):
    action: core.CaseAction
    form: type[f.ActionForm]
    style: str = ""  # "primary" | "danger" | ""
    needs_case: bool = False  # form takes the case (choices depend on it)
    # The form's cleaned data → the action's data (e.g. a typed case number → the case).
    resolve: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None

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


# --- co-handling parts (主辦 / 協辦): the part panel's buttons, one per part action --------------
# The table is `casesys.cohandling.actions`; a form per action here.


@dataclass(frozen=True)
class PartAction(_Labelled):
    action: part_core.PartAction
    form: type
    style: str = ""
    needs_part: bool = False
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def run(self, part, data: dict[str, Any], user) -> Any:
        if self.resolve is not None:
            data = self.resolve(data)
        return self.action.execute(part=part, by=user, data=data)


def _resolve_decision(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "release": d["decision"] == "release"}


def _part_forms() -> dict[str, dict[str, Any]]:
    from casesys.web import forms_cohandling as pf

    return {
        "accept": {"form": pf.PartAcceptForm, "style": "primary"},
        "assign": {"form": pf.PartAssignForm, "needs_part": True},
        "submit_reply": {"form": pf.PartReplyForm, "style": "primary"},
        "approve": {"form": pf.PartApproveForm, "style": "primary"},
        "return_reply": {"form": pf.PartReturnReplyForm},
        "return_to_lead": {"form": pf.PartReturnToLeadForm, "style": "danger"},
        "decide_return": {"form": pf.PartDecideReturnForm, "style": "primary", "resolve": _resolve_decision},
        "withdraw": {"form": pf.PartWithdrawForm, "style": "danger"},
    }


_PART_FORMS = _part_forms()
assert set(_PART_FORMS) == set(part_core.PART_ACTIONS), "every part action needs a desk form, and no other"

PART_ACTIONS: dict[str, PartAction] = {
    name: PartAction(action, **_PART_FORMS[name]) for name, action in part_core.PART_ACTIONS.items()
}


def available_part_actions(part, user) -> list[PartAction]:
    return [PART_ACTIONS[a.name] for a in part_core.available_part_actions(part, user)]


def build_part_form(action: PartAction, part, data=None):
    kwargs = {"part": part} if action.needs_part else {}
    prefix = f"part{part.pk}-{action.name}"
    if data is None:
        return action.form(initial={"version": part.version}, prefix=prefix, **kwargs)
    return action.form(data, prefix=prefix, **kwargs)
