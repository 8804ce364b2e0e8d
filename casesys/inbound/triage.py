"""The leads' response clock (輿情): when a lead's first triage is due.

A lead must be triaged (converted into a case or dismissed) within a number of office hours
— working days per the Taiwan calendar (`casesys.workcal`), between `CASESYS_OFFICE_HOURS` —
counted from its arrival: `triage_hours` of its source in `CASESYS_CHANNELS`, else
`CASESYS_OPINION["TRIAGE_OFFICE_HOURS"]` (4).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from casesys.common import channels
from casesys.notifications.officehours import add_office_hours
from casesys.workcal.calendar import WorkCalendar


def triage_hours(source: str) -> float:
    spec = channels.get(source)
    if spec is not None and spec.triage_hours:
        return float(spec.triage_hours)
    return float(settings.CASESYS_OPINION["TRIAGE_OFFICE_HOURS"])


def triage_due(*, source: str, start: dt.datetime, calendar: WorkCalendar | None = None) -> dt.datetime:
    return add_office_hours(start, triage_hours(source), calendar or WorkCalendar.load())
