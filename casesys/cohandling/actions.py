"""The one table of co-handling part actions (主辦 / 協辦), beside `casesys.cases.actions`.

Each action names a part transition of `casesys.cohandling.workflow`, its label and the
service call. The API (`casesys.api.transitions`, a serializer per action) and the desk
(`casesys.web.actions`, a form per action) take their names, order, labels and availability
from here, as they do for the case actions.

`run(part=, by=, data=)` takes the input layer's cleaned data with objects already resolved
(a user for `officer`, a bool for `release`); optional fields may be missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from casesys.cohandling import services
from casesys.cohandling.models import CasePart
from casesys.cohandling.workflow import PART_TRANSITION_NAMES

Data = Mapping[str, Any]


@dataclass(frozen=True)
class PartAction:
    name: str
    label: Any  # "中文 / English" (lazy)
    run: Callable[..., Any]  # run(*, part, by, data)

    def execute(self, *, part: CasePart, by, data: Data) -> Any:
        """Run it for `by`; the service checks the transition's permission and conditions."""
        return self.run(part=part, by=by, data=data)


def _accept(*, part: CasePart, by, data: Data):
    return services.part_accept(part=part, by=by)


def _assign(*, part: CasePart, by, data: Data):
    return services.part_assign(part=part, officer=data["officer"], note=data.get("note", ""), by=by)


def _submit_reply(*, part: CasePart, by, data: Data):
    return services.part_submit_reply(part=part, reply=data["reply"], by=by)


def _approve(*, part: CasePart, by, data: Data):
    return services.part_approve(part=part, note=data.get("note", ""), by=by)


def _return_reply(*, part: CasePart, by, data: Data):
    return services.part_return_reply(part=part, comment=data["comment"], by=by)


def _return_to_lead(*, part: CasePart, by, data: Data):
    return services.part_return_to_lead(part=part, reason=data["reason"], by=by)


def _decide_return(*, part: CasePart, by, data: Data):
    return services.part_decide_return(part=part, release=data["release"], note=data.get("note", ""), by=by)


def _withdraw(*, part: CasePart, by, data: Data):
    return services.part_withdraw(part=part, note=data.get("note", ""), by=by)


PART_ACTIONS: dict[str, PartAction] = {
    a.name: a
    for a in [
        PartAction("accept", _("協辦簽收 / Accept the part"), _accept),
        PartAction("assign", _("指派協辦人 / Assign the part's officer"), _assign),
        PartAction("submit_reply", _("送出協辦答復（陳核） / Submit the part reply for approval"), _submit_reply),
        PartAction("approve", _("核定協辦答復 / Approve the part reply"), _approve),
        PartAction("return_reply", _("協辦答復退回修正 / Return the part reply for revision"), _return_reply),
        PartAction("return_to_lead", _("非屬本單位，退回主辦 / Not ours: return the part to the lead"), _return_to_lead),
        PartAction("decide_return", _("決定協辦退回 / Decide a returned part"), _decide_return),
        PartAction("withdraw", _("撤銷協辦 / Withdraw the part"), _withdraw),
    ]
}
assert list(PART_ACTIONS) == PART_TRANSITION_NAMES, "every part transition needs exactly one action, in the UI's order"


def available_part_actions(part: CasePart, user) -> list[PartAction]:
    """The part actions `user` may run on `part` right now, in the UI's order."""
    names = {t.name for t in part.get_available_user_state_transitions(user)}
    return [a for a in PART_ACTIONS.values() if a.name in names]
