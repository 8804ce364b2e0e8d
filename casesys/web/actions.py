"""The case page's action buttons: one form and one service call per workflow transition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from casesys.cases import services
from casesys.cases.models import Case
from casesys.cases.selectors import cases_visible_to
from casesys.cohandling import services as cohandling
from casesys.web import forms as f


@dataclass(frozen=True)
class Action:
    name: str
    zh: str
    en: str
    form: type[f.ActionForm]
    run: Callable[..., object]
    style: str = ""  # "primary" | "danger" | ""
    needs_case: bool = False  # form takes the case (choices depend on it)


def _case_by_number(user, number: str, field: str) -> Case:
    other = cases_visible_to(user).filter(number=(number or "").strip()).first()
    if other is None:
        raise ValidationError({field: ["找不到此案號 / No such case."]})
    return other


def _file(case, d, user):
    repeat_of = _case_by_number(user, d["repeat_of"], "repeat_of") if d.get("repeat_of") else None
    return services.case_file(case=case, reason_code=d["reason_code"], note=d.get("note", ""), repeat_of=repeat_of, by=user)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("dispatch", "分文", "Dispatch", f.DispatchForm,
               lambda c, d, u: cohandling.case_dispatch_with_co_handlers(
                   case=c, department=d["department"], co_departments=d.get("co_departments") or [],
                   note=d.get("note", ""), by=u), "primary"),
        Action("accept", "簽收承辦", "Accept", f.AcceptForm, lambda c, d, u: services.case_accept(case=c, by=u), "primary"),
        Action("assign", "指派承辦人", "Assign", f.AssignForm,
               lambda c, d, u: services.case_assign(case=c, assignee=d["assignee"], note=d.get("note", ""), by=u), needs_case=True),
        Action("submit_reply", "送出答復（陳核）", "Submit reply for approval", f.ReplyForm,
               lambda c, d, u: services.case_submit_reply(case=c, reply=d["reply"], by=u), "primary", needs_case=True),
        Action("approve", "核定結案", "Approve and close", f.ApproveForm,
               lambda c, d, u: services.case_approve(case=c, note=d.get("note", ""), by=u), "primary"),
        Action("return_reply", "退回修正", "Return for revision", f.ReturnReplyForm,
               lambda c, d, u: services.case_return_reply(case=c, comment=d["comment"], by=u)),
        Action("request_extension", "申請展延", "Request extension", f.RequestExtensionForm,
               lambda c, d, u: services.case_request_extension(
                   case=c, days=d["days"], reason=d["reason"], status_text=d["status_text"], by=u)),
        Action("decide_extension", "核定展延", "Decide extension", f.DecideExtensionForm,
               lambda c, d, u: services.case_decide_extension(case=c, approve=d["approve"], note=d.get("note", ""), by=u), "primary"),
        Action("return_to_intake", "退回分文", "Return to intake", f.ReturnToIntakeForm,
               lambda c, d, u: services.case_return_to_intake(case=c, reason=d["reason"], by=u)),
        Action("transfer", "移文", "Transfer to another agency", f.TransferForm,
               lambda c, d, u: services.case_transfer(
                   case=c, agency=d["agency"], reason=d["reason"], site_visit=d.get("site_visit", False), by=u
               ), "danger"),
        Action("file", "不予處理並存查", "Decline and file", f.FileForm, _file, "danger"),
        Action("merge", "併案", "Merge", f.MergeForm,
               lambda c, d, u: services.case_merge(case=c, into=_case_by_number(u, d["into"], "into"), note=d.get("note", ""), by=u), "danger"),
        Action("reopen", "重新處理", "Reopen", f.ReopenForm, lambda c, d, u: services.case_reopen(case=c, reason=d["reason"], by=u)),
    ]
}


def available_actions(case: Case, user) -> list[Action]:
    """Only the transitions this user may run on this case right now, in the UI's order."""
    from casesys.cases.workflow import TRANSITION_NAMES

    names = {t.name for t in case.get_available_user_state_transitions(user)}
    return [ACTIONS[n] for n in TRANSITION_NAMES if n in names and n in ACTIONS]


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
