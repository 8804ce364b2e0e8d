"""Reads for Open311: services (public categories) and service requests (cases).

Only cases in public categories are visible through Open311, and only fields that carry
no personal data (see `casesys.open311.public`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from casesys.cases.models import OPEN_Q, Case, CaseEvent, Category

MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)


def services_qs() -> QuerySet[Category]:
    """Public, active categories that cases are filed under (leaves: no active children)."""
    has_children = Category.objects.filter(parent=OuterRef("pk"), active=True)
    return (
        Category.objects.filter(public=True, active=True)
        .exclude(Exists(has_children))
        .select_related("parent", "department")
        .order_by("code")
    )


def service_get(code: str) -> Category | None:
    return services_qs().filter(code=code).first()


def public_requests_qs() -> QuerySet[Case]:
    # The latest citizen-timeline text is the status note of a case without a reply; one
    # subquery instead of a query per case.
    last_public = CaseEvent.objects.filter(case=OuterRef("pk"), public=True).order_by("-at", "-id")
    return (
        Case.objects.filter(category__public=True)
        .select_related("category", "category__parent", "department", "petitioner")
        # The public scrubber hides what the petitioners of a merged case recorded, too.
        .prefetch_related("co_petitioners")
        .annotate(last_public_text=Subquery(last_public.values("public_text")[:1]))
    )


def request_get(number: str) -> Case | None:
    return public_requests_qs().filter(number=number).first()


def requests_search(
    *,
    numbers: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime,
) -> list[Case]:
    """GET requests. Ids override every other filter (GeoReport v2); without dates, the last 90 days."""
    qs = public_requests_qs()
    if numbers:
        return list(qs.filter(number__in=numbers).order_by("-received_at")[:MAX_RESULTS])
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if statuses and set(statuses) != {"open", "closed"}:
        qs = qs.filter(OPEN_Q) if statuses == ["open"] else qs.exclude(OPEN_Q)
    if start is None and end is None:
        start = now - DEFAULT_WINDOW
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lte=end)
    return list(qs.order_by("-received_at", "-id")[:MAX_RESULTS])
