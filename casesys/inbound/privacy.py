"""Who a lead's sender is, as a given user may see it.

A lead's sender becomes the petitioner when the lead is converted, so the sender is shown
like that petitioner (`identity.may_view_identity` on the converted case): in clear to
intake, administrators, holders of `cases.view_identity` and the case's assignee, masked to
everyone else, and masked to all when the case is confidential (its message text then has
its personal data masked too, like the case description).

A lead not converted (new or dismissed) has no case to ask. It is treated like a case that
has not been assigned yet: intake, administrators and holders of `cases.view_identity` see
the sender; officers and supervisors, who triage the content, see the sender masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from casesys.cases.identity import (
    known_personal_data,
    mask_id,
    mask_name,
    mask_personal_data,
    may_view_identity,
)
from casesys.inbound.models import Lead
from casesys.org.models import Role
from casesys.org.roles import roles_of


def may_view_lead_sender(user, lead: Lead) -> bool:
    if lead.case_id is not None and lead.case is not None:
        return may_view_identity(user, lead.case)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    roles = roles_of(user)
    return Role.ADMIN in roles or Role.INTAKE in roles or user.has_perm("cases.view_identity")


@dataclass(frozen=True)
class LeadView:
    sender_name: str
    sender_id: str
    sender_masked: bool
    title: str
    text: str


def lead_view_for(user, lead: Lead) -> LeadView:
    """The lead's sender and text as `user` may see them (never audited, never unmasked by a flag)."""
    clear = may_view_lead_sender(user, lead)
    title, text = lead.title, lead.text
    case = lead.case if lead.case_id is not None else None
    if case is not None and case.confidential:
        known = [lead.sender_name, *known_personal_data(case)]
        title = mask_personal_data(title, known=known)
        text = mask_personal_data(text, known=known)
    if clear:
        return LeadView(lead.sender_name, lead.sender_id, False, title, text)
    return LeadView(mask_name(lead.sender_name), mask_id(lead.sender_id), True, title, text)
