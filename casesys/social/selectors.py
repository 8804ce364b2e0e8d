"""Reads of the opinion clock for pages: which cases a lead's alerts were about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casesys.cases.selectors import cases_visible_to
from casesys.social.models import LeadAlert


@dataclass(frozen=True)
class LeadAlertShown:
    number: str
    # What matched: "number" (the lead names the case number), "place" or "keywords" (an
    # overdue case at the same place / with similar wording), "overdue" (another match).
    why: str
    may_open: bool  # the viewer may open the case (its number is a link)


def lead_alerts_for(*, user, lead_ids: Iterable[int]) -> dict[int, list[LeadAlertShown]]:
    """The alerts of these leads, by lead id, best match first (the order they were raised):
    two queries whatever the number of leads — the alerts with their case numbers, then which
    of those cases the viewer may open (the cases' own visibility rules)."""
    rows = list(
        LeadAlert.objects.filter(lead_id__in=list(lead_ids))
        .order_by("lead_id", "pk")
        .values_list("lead_id", "case_id", "case__number", "kind", "why")
    )
    if not rows:
        return {}
    case_ids = {case_id for _lead, case_id, *_rest in rows}
    visible = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    shown: dict[int, list[LeadAlertShown]] = {}
    for lead_id, case_id, number, kind, why in rows:
        if kind == LeadAlert.Kind.MENTION:
            why = "number"
        elif why not in ("place", "keywords"):
            why = "overdue"
        shown.setdefault(lead_id, []).append(LeadAlertShown(number=number, why=why, may_open=case_id in visible))
    return shown
