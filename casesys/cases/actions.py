"""The one table of case actions: what the API's transitions and the desk's buttons run.

Each action names a workflow transition, its label, the service call and who may run it
(the transition's permission plus any extra rule). `available_actions` is the one answer to
"what may this user do to this case right now". The input layers attach to it by name:
`casesys.api.transitions` a serializer per action, `casesys.web.actions` a form per action;
both take their names, order, labels and availability from here (no DRF or forms here).

`run(case=, by=, data=)` takes the input layer's cleaned data with objects already resolved
(a `Department`, a user, a `Case` for `into`/`repeat_of`); optional fields may be missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from casesys.cases import services
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.models import Case
from casesys.cases.workflow import TRANSITION_NAMES

Data = Mapping[str, Any]


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: Any  # "中文 / English" (lazy)
    run: Callable[..., Any]  # run(*, case, by, data)
    # A rule on top of the transition's permission (none today; a policy such as "only on
    # working days" goes here and both layers obey it).
    rule: Callable[[Case, Any], bool] | None = None

    def permitted(self, case: Case, user) -> bool:
        """May `user` run it from the case's current state (conditions aside)?"""
        return has_transition_perm(getattr(case, self.name), user) and self._rule_allows(case, user)

    def execute(self, *, case: Case, by, data: Data) -> Any:
        """Run it for `by`; the service checks the transition's permission and conditions."""
        if by is not None and not self._rule_allows(case, by):
            raise TransitionPermissionDenied()
        return self.run(case=case, by=by, data=data)

    def _rule_allows(self, case: Case, user) -> bool:
        return self.rule is None or self.rule(case, user)


def _dispatch(*, case: Case, by, data: Data):
    # With co-handling departments (主辦/協辦) in the same step when the input names any.
    from casesys.cohandling.services import case_dispatch_with_co_handlers

    return case_dispatch_with_co_handlers(
        case=case, department=data["department"], co_departments=data.get("co_departments") or [],
        note=data.get("note", ""), by=by,
    )


def _accept(*, case: Case, by, data: Data):
    return services.case_accept(case=case, by=by)


def _assign(*, case: Case, by, data: Data):
    return services.case_assign(case=case, assignee=data["assignee"], note=data.get("note", ""), by=by)


def _submit_reply(*, case: Case, by, data: Data):
    return services.case_submit_reply(case=case, reply=data["reply"], by=by)


def _approve(*, case: Case, by, data: Data):
    return services.case_approve(case=case, note=data.get("note", ""), by=by)


def _return_reply(*, case: Case, by, data: Data):
    return services.case_return_reply(case=case, comment=data["comment"], by=by)


def _request_extension(*, case: Case, by, data: Data):
    return services.case_request_extension(
        case=case, days=data["days"], reason=data["reason"], status_text=data["status_text"], by=by
    )


def _decide_extension(*, case: Case, by, data: Data):
    return services.case_decide_extension(case=case, approve=data["approve"], note=data.get("note", ""), by=by)


def _return_to_intake(*, case: Case, by, data: Data):
    return services.case_return_to_intake(case=case, reason=data["reason"], by=by)


def _transfer(*, case: Case, by, data: Data):
    return services.case_transfer(
        case=case, agency=data["agency"], reason=data["reason"], site_visit=data.get("site_visit", False), by=by
    )


def _file(*, case: Case, by, data: Data):
    return services.case_file(
        case=case, reason_code=data["reason_code"], note=data.get("note", ""), repeat_of=data.get("repeat_of"), by=by
    )


def _merge(*, case: Case, by, data: Data):
    return services.case_merge(case=case, into=data["into"], note=data.get("note", ""), by=by)


def _reopen(*, case: Case, by, data: Data):
    return services.case_reopen(case=case, reason=data["reason"], by=by)


ACTIONS: dict[str, CaseAction] = {
    a.name: a
    for a in [
        CaseAction("dispatch", _("分文 / Dispatch"), _dispatch),
        CaseAction("accept", _("簽收承辦 / Accept"), _accept),
        CaseAction("assign", _("指派承辦人 / Assign"), _assign),
        CaseAction("submit_reply", _("送出答復（陳核） / Submit reply for approval"), _submit_reply),
        CaseAction("approve", _("核定結案 / Approve and close"), _approve),
        CaseAction("return_reply", _("退回修正 / Return for revision"), _return_reply),
        CaseAction("request_extension", _("申請展延 / Request extension"), _request_extension),
        CaseAction("decide_extension", _("核定展延 / Decide extension"), _decide_extension),
        CaseAction("return_to_intake", _("退回分文 / Return to intake"), _return_to_intake),
        CaseAction("transfer", _("移文 / Transfer to another agency"), _transfer),
        CaseAction("file", _("不予處理並存查 / Decline and file"), _file),
        CaseAction("merge", _("併案 / Merge"), _merge),
        CaseAction("reopen", _("重新處理 / Reopen"), _reopen),
    ]
}
assert list(ACTIONS) == TRANSITION_NAMES, "every workflow transition needs exactly one action, in the UI's order"


def available_actions(case: Case, user) -> list[CaseAction]:
    """The actions `user` may run on `case` right now (state, conditions, permission and any
    extra rule), in the UI's order."""
    names = {t.name for t in case.get_available_user_state_transitions(user)}
    return [a for a in ACTIONS.values() if a.name in names and a._rule_allows(case, user)]
