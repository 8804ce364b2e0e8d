"""Reads of incidents. An incident's title and counts are visible to all staff; its linked
cases only as far as the caller may see each case (casesys.cases.selectors)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from casesys.cases.models import OPEN_STATES, Case
from casesys.cases.selectors import cases_visible_to
from casesys.incidents.models import Incident

_OPEN = [s.value for s in OPEN_STATES]


def incident_list(*, status: str | None = None) -> QuerySet[Incident]:
    """Incidents with their report counts (all linked cases, and those still open)."""
    qs = Incident.objects.select_related("category", "owner_department").annotate(
        reports=Count("links"),
        open_reports=Count("links", filter=Q(links__case__state__in=_OPEN)),
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-last_report_at", "-pk")


def incident_get(*, pk: int) -> Incident | None:
    return incident_list().filter(pk=pk).first()


def incident_cases_for(*, incident: Incident, user) -> tuple[list[Case], int]:
    """The linked cases the user may see (oldest report first), and how many others there are."""
    linked = Case.objects.filter(incident_link__incident=incident)
    visible = list(
        cases_visible_to(user)
        .filter(incident_link__incident=incident)
        .select_related("category", "department", "assignee")
        .order_by("received_at", "pk")
    )
    return visible, linked.count() - len(visible)


def open_incidents_for_choice(*, limit: int = 50) -> list[Incident]:
    """Open incidents newest first, for a "link to…" drop-down."""
    return list(Incident.objects.filter(status="open").order_by("-last_report_at", "-pk")[:limit])


def incident_counts_by_day(*, days: int = 30, now: dt.datetime | None = None) -> list[dict]:
    """Per day of the last `days` days: incidents opened and reports linked to incidents."""
    from casesys.incidents.models import IncidentLink

    now = now or timezone.now()
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    opened = dict(
        Incident.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    linked = dict(
        IncidentLink.objects.filter(linked_at__gte=since)
        .annotate(day=TruncDate("linked_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    out = []
    for i in range(days):
        day = (since + dt.timedelta(days=i)).date()
        out.append({"day": day, "opened": opened.get(day, 0), "reports": linked.get(day, 0)})
    return out
