"""Cases' answer to a calendar change: move the deadlines the changed day falls within."""

from __future__ import annotations

import datetime as dt

from casesys.cases.services import recompute_due_dates_for_day


def on_calendar_day_changed(*, day: dt.date, reason: str, **kwargs) -> int:
    """Connected in CasesConfig.ready; returns how many cases moved so the calendar can report it."""
    return len(recompute_due_dates_for_day(day=day, reason=reason))
