"""A co-handled case at a fixed time: the road section leads, the cleaning section co-handles."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from casesys.cases import services
from casesys.cohandling import services as parts
from tests.factories import new_case

TPE = ZoneInfo("Asia/Taipei")
# A Monday with no holiday near it: a 6-working-day case is due Tuesday 10 March, a
# 10-working-day one Monday 16 March, its parts Wednesday 11 March.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TPE)


def eod(day: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, 23, 59, 59, tzinfo=TPE)


def co_handled(org, *, departments=None, accept: bool = True, **kwargs):
    """A mailbox case dispatched to the road section with the cleaning section co-handling."""
    case, password = new_case(org, **kwargs)
    parts.case_dispatch_with_co_handlers(
        case=case, department=org.road, co_departments=departments or [org.clean], note="請協助清運路面廢棄物", by=org.intake
    )
    if accept:
        services.case_accept(case=case, by=org.officer)
    case.refresh_from_db()
    return case, password
