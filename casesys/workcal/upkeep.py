"""Calendar upkeep: which years have an imported DGPA office calendar, and the warning given
from `CASESYS["CALENDAR_WARN_FROM"]` (default 1 November) while next year has none.

Without next year's calendar its make-up workdays (補行上班) are unknown, so deadlines that
run into it may be a day off. The warning is shown on `/healthz` (never as a failure), as a
banner to administrators in the desk, and sent to administrators once a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casesys.workcal.calendar import local_date
from casesys.workcal.models import CalendarYear

IMPORT_HINT = "manage.py import_dgpa_calendar"


def warn_from(year: int) -> dt.date:
    """The first day of `year` on which a missing calendar for `year + 1` is warned about."""
    month, day = settings.CASESYS["CALENDAR_WARN_FROM"]
    if (month, day) == (2, 29) and not _is_leap(year):
        day = 28
    return dt.date(year, month, day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def missing_calendar_message(year: int) -> str:
    return (
        f"尚未匯入 {year} 年辦公日曆（人事行政總處）：補行上班日未知，跨年期限可能有誤，"
        f"請以 {IMPORT_HINT} 匯入 / The {year} office calendar (DGPA) has not been imported: "
        f"its make-up workdays are unknown and deadlines running into {year} may be wrong; "
        f"import it with {IMPORT_HINT}."
    )


def missing_next_year(*, today: dt.date) -> int | None:
    """Next year, when today is on or after the warning date and its calendar is not imported."""
    if today < warn_from(today.year):
        return None
    year = today.year + 1
    if CalendarYear.objects.filter(year=year).exists():
        return None
    return year


def calendar_warning(*, today: dt.date | None = None) -> str:
    """The warning text, or "" when there is nothing to warn about."""
    today = today or local_date(timezone.now())
    year = missing_next_year(today=today)
    return missing_calendar_message(year) if year is not None else ""


@dataclass
class CalendarStatus:
    today: dt.date
    imported: list[CalendarYear]
    current_year: int
    next_year: int
    current_missing: bool
    next_missing: bool
    warning: str = ""


def calendar_status(*, today: dt.date | None = None) -> CalendarStatus:
    today = today or local_date(timezone.now())
    imported = list(CalendarYear.objects.order_by("year"))
    years = {y.year for y in imported}
    return CalendarStatus(
        today=today,
        imported=imported,
        current_year=today.year,
        next_year=today.year + 1,
        current_missing=today.year not in years,
        next_missing=today.year + 1 not in years,
        warning=calendar_warning(today=today),
    )


@dataclass
class CalendarNoticeResult:
    year: int | None = None
    recipients: int = 0
    notifications: int = 0
    skipped: str = ""


def administrators():
    from django.contrib.auth import get_user_model

    from casesys.org.models import Role

    # Superusers count as administrators (casesys.org.roles), as do staff with the admin role.
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(staff__roles__contains=[Role.ADMIN]))
        .distinct()
        .order_by("pk")
    )


def calendar_warning_notify(*, now: dt.datetime | None = None) -> CalendarNoticeResult:
    """Tell every administrator, once a day (the dedupe key carries the date), that next
    year's office calendar is missing. Run daily by beat (workers/schedule.py)."""
    from casesys.notifications.services import notify_staff_group
    from casesys.workcal.calendar import WorkCalendar

    now = now or timezone.now()
    today = local_date(now)
    year = missing_next_year(today=today)
    if year is None:
        return CalendarNoticeResult(skipped="nothing missing")
    calendar = WorkCalendar.load()
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    context = {
        "year": year,
        "date": f"{today:%Y-%m-%d}",
        "command": f"{IMPORT_HINT} office-calendar-{year}.csv",
        "status_command": "manage.py calendar_status",
        "admin_url": f"{base_url}/admin/workcal/calendaryear/",
    }
    result = CalendarNoticeResult(year=year)
    with transaction.atomic():
        result.recipients, result.notifications = notify_staff_group(
            users=administrators(),
            template="calendar_missing",
            context=context,
            dedupe_key=f"calendar:missing:{year}:{today:%Y-%m-%d}",
            calendar=calendar,
            now=now,
        )
    return result
