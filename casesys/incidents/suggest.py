"""Which open incident a new report is probably about.

A report (a case, or a draft at intake) is suggested an open incident when all four agree:

- place: within `RADIUS_M` of the bounding box of the incident's reports (a report with no
  coordinates: the same district, and the incident has none either; a report with no place
  at all, like a chat-group lead: twice the text share instead);
- category: the same category, or one with the same parent;
- time: received within `WINDOW_HOURS` of the incident's time window;
- text: at least `MIN_TEXT_PERCENT` % of the report's bigrams (casesys.cases.search) already
  occur in the incident's reports.

The database does the selective part with the partial indexes on open incidents (time
window, category, a bounding box grown by the radius in degrees); the exact distance to the
box and the text score are computed here on the few candidates left. This needs no
extension, so it works the same on PostgreSQL and on the SQLite of `make run`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q

from casesys.cases.search import text_bigrams
from casesys.incidents.models import OPEN, Incident, IncidentLink

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0


def config() -> dict:
    return settings.CASESYS_INCIDENTS


@dataclass(frozen=True)
class Draft:
    """What is known of a report when a suggestion is wanted (at intake: before it is saved)."""

    category_id: int
    category_parent_id: int | None
    received_at: dt.datetime
    text: str
    lat: float | None = None
    lng: float | None = None
    district: str = ""

    @classmethod
    def of_case(cls, case) -> Draft:
        return cls(
            category_id=case.category_id,
            category_parent_id=case.category.parent_id,
            received_at=case.received_at,
            text=f"{case.subject}\n{case.description}",
            lat=_f(case.lat),
            lng=_f(case.lng),
            district=case.district or "",
        )


@dataclass
class Suggestion:
    incident_id: int
    title: str
    score: float
    text_score: float
    distance_m: float | None
    hours_apart: float
    reports: int = 0
    incident: Incident | None = field(default=None, repr=False)


def _f(value) -> float | None:
    return None if value is None else float(value)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_to_box_m(lat: float, lng: float, box: tuple[float, float, float, float]) -> float:
    """Metres from a point to the nearest point of a (min_lat, max_lat, min_lng, max_lng) box."""
    min_lat, max_lat, min_lng, max_lng = box
    return haversine_m(lat, lng, min(max(lat, min_lat), max_lat), min(max(lng, min_lng), max_lng))


def text_score(draft_bigrams: set[str], incident_bigrams) -> float:
    """Share of the report's bigrams already seen in the incident's reports (0–1)."""
    if not draft_bigrams:
        return 0.0
    return len(draft_bigrams & set(incident_bigrams)) / len(draft_bigrams)


def suggest_incidents(*, draft: Draft, limit: int | None = None, exclude: int | None = None) -> list[Suggestion]:
    """Open incidents this report is probably about, best first (at most `limit`)."""
    cfg = config()
    radius = float(cfg["RADIUS_M"])
    window = dt.timedelta(hours=cfg["WINDOW_HOURS"])
    min_text = cfg["MIN_TEXT_PERCENT"] / 100.0
    limit = limit or cfg["MAX_SUGGESTIONS"]
    t = draft.received_at

    family = draft.category_parent_id or draft.category_id
    qs = Incident.objects.filter(
        Q(category_id=draft.category_id) | Q(category_id=family) | Q(category__parent_id=family),
        status=OPEN,
        last_report_at__gte=t - window,
        started_at__lte=t + window,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if draft.lat is not None and draft.lng is not None:
        dlat = radius / METRES_PER_DEGREE_LAT
        dlng = radius / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(draft.lat))))
        lat, lng = Decimal(str(draft.lat)), Decimal(str(draft.lng))
        near = Q(
            min_lat__lte=lat + Decimal(str(dlat)),
            max_lat__gte=lat - Decimal(str(dlat)),
            min_lng__lte=lng + Decimal(str(dlng)),
            max_lng__gte=lng - Decimal(str(dlng)),
        )
        if draft.district:
            near |= Q(min_lat__isnull=True, district=draft.district)
        qs = qs.filter(near)
    elif draft.district:
        qs = qs.filter(district=draft.district)
    else:
        # No place at all (a chat-group lead): the wording must carry twice the weight.
        min_text = min(1.0, 2 * min_text)

    words = text_bigrams(draft.text)
    found: list[Suggestion] = []
    rows = qs.values_list(
        "pk", "title", "min_lat", "max_lat", "min_lng", "max_lng", "started_at", "last_report_at", "bigrams"
    )[:200]
    for pk, title, min_lat, max_lat, min_lng, max_lng, started, last, bigrams in rows:
        distance = None
        if draft.lat is not None and draft.lng is not None and min_lat is not None:
            distance = distance_to_box_m(
                draft.lat, draft.lng, (float(min_lat), float(max_lat), float(min_lng), float(max_lng))
            )
            if distance > radius:
                continue
        score_text = text_score(words, bigrams)
        if score_text < min_text:
            continue
        if started <= t <= last:
            hours = 0.0
        else:
            hours = min(abs((t - started).total_seconds()), abs((t - last).total_seconds())) / 3600
        near_score = 0.5 if distance is None else 1 - distance / radius
        time_score = 1 - min(1.0, hours / (window.total_seconds() / 3600))
        score = 0.5 * score_text + 0.3 * near_score + 0.2 * time_score
        found.append(
            Suggestion(
                incident_id=pk, title=title, score=round(score, 3), text_score=round(score_text, 3),
                distance_m=None if distance is None else round(distance, 1), hours_apart=round(hours, 2),
            )
        )
    found.sort(key=lambda s: (-s.score, s.incident_id))
    found = found[:limit]
    if found:
        counts = dict(
            IncidentLink.objects.filter(incident_id__in=[s.incident_id for s in found])
            .values("incident_id")
            .annotate(n=Count("pk"))
            .values_list("incident_id", "n")
        )
        for s in found:
            s.reports = counts.get(s.incident_id, 0)
    return found


def suggest_for_case(case, *, limit: int | None = None) -> list[Suggestion]:
    """Suggestions for a saved case; none once it belongs to an incident."""
    if IncidentLink.objects.filter(case_id=case.pk).exists():
        return []
    return suggest_incidents(draft=Draft.of_case(case), limit=limit)
