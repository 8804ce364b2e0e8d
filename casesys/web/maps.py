"""Reads for the maps: the desk map's points, a case's nearby open cases, open incidents.

Every case query starts from `cases_visible_to(user)` (through the queue's own filters), and
what leaves here for the browser carries no personal data: number, subject, state, category,
coordinates and the case page's URL. Distances use the incident suggestion's haversine
(casesys.incidents.suggest), after an indexed bounding-box prefilter.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case
from casesys.cases.selectors import cases_visible_to
from casesys.incidents.suggest import METRES_PER_DEGREE_LAT, haversine_m
from casesys.web.i18n import is_english, pick, tr
from casesys.web.selectors import queue_filtered

MAP_MAX_POINTS = 2000
NEARBY_RADIUS_M = 300
NEARBY_DAYS = 30
NEARBY_LIMIT = 20


def map_config(*, geocoder: bool | None = None) -> dict:
    """What map.js needs (json_script): tiles (empty: none), attribution, where to open."""
    conf = settings.CASESYS_MAP
    lat, lng, zoom = conf["CENTER"]
    if geocoder is None:
        from casesys.common.geocoding import get_geocoder

        geocoder = get_geocoder() is not None
    return {
        "tileUrl": conf["TILE_URL"],
        "attribution": conf["ATTRIBUTION"],
        "center": [lat, lng],
        "zoom": zoom,
        "geocodeUrl": reverse("web:map_geocode") if geocoder else "",
        # The map's own words, in the reader's language only.
        "text": {
            "zoomIn": tr("放大", "Zoom in"),
            "zoomOut": tr("縮小", "Zoom out"),
            "pin": tr("案件位置", "Case location"),
            "pinSet": tr("已設定位置：緯度 {lat}，經度 {lng}", "Location set: latitude {lat}, longitude {lng}"),
            "find": tr("依地址定位", "Find the address on the map"),
            "finding": tr("定位中…", "Looking up…"),
            "shown": tr("地圖上有 {cases} 件案件、{incidents} 個事件。", "{cases} cases and {incidents} incidents on the map."),
            "capped": tr("只顯示期限最近的 {limit} 件。", "Only the {limit} soonest due are shown."),
            "reports": tr("件通報", "reports"),
            "incident": tr("事件", "Incident"),
            "count": tr("件", "cases"),
            "failed": tr("無法載入地圖資料。", "The map data could not be loaded."),
            "select": tr("選取此案", "Select this case"),
            "selected": tr("已選取", "Selected"),
        },
    }


def _category_name(category) -> str:
    if category is None:
        return ""
    if is_english() and getattr(category, "name_en", ""):
        return category.name_en
    return category.name


def case_point(case: Case) -> dict:
    """One case on a map: no petitioner, no description, no address."""
    return {
        "number": case.number,
        "subject": case.subject,
        "state": pick(case.get_state_display()),
        "category": _category_name(case.category),
        "lat": float(case.lat),
        "lng": float(case.lng),
        "url": reverse("web:case", kwargs={"number": case.number}),
    }


def desk_map_points(*, user, scope: str, filters: dict, search: str = "", limit: int = MAP_MAX_POINTS) -> dict:
    """Open cases with coordinates under the queue's filters, soonest due first (at most `limit`)."""
    now = timezone.now()
    qs = queue_filtered(user=user, scope=scope, filters=filters, search=search, now=now).filter(
        lat__isnull=False, lng__isnull=False
    )
    rows = list(qs.select_related("category").order_by("due_at", "pk")[: limit + 1])
    capped = len(rows) > limit
    return {
        "cases": [case_point(c) for c in rows[:limit]],
        "capped": capped,
        "limit": limit,
        "incidents": incident_points(),
    }


def incident_points() -> list[dict]:
    """Open incidents with a place: the centre and box of their reports, title, report count."""
    from casesys.incidents.models import OPEN, Incident

    out = []
    qs = (
        Incident.objects.filter(status=OPEN, min_lat__isnull=False)
        .annotate(reports=Count("links"))
        .order_by("-last_report_at")[:200]
    )
    for inc in qs:
        box = [float(inc.min_lat), float(inc.max_lat), float(inc.min_lng), float(inc.max_lng)]
        out.append(
            {
                "id": inc.pk,
                "title": inc.title,
                "reports": inc.reports,
                "lat": round((box[0] + box[1]) / 2, 6),
                "lng": round((box[2] + box[3]) / 2, 6),
                "box": box,
                "url": reverse("web:incident", kwargs={"pk": inc.pk}),
            }
        )
    return out


@dataclass
class Nearby:
    case: Case
    distance_m: float


def nearby_open_cases(
    *,
    user,
    case: Case,
    radius_m: float = NEARBY_RADIUS_M,
    days: int = NEARBY_DAYS,
    now: dt.datetime | None = None,
    limit: int = NEARBY_LIMIT,
) -> list[Nearby]:
    """Open cases the user may see within `radius_m` of the case, received in the last `days`
    days, nearest first."""
    if case.lat is None or case.lng is None:
        return []
    now = now or timezone.now()
    lat, lng = float(case.lat), float(case.lng)
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlng = radius_m / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    d_lat, d_lng = Decimal(str(round(dlat, 6))), Decimal(str(round(dlng, 6)))
    c_lat, c_lng = Decimal(case.lat), Decimal(case.lng)
    candidates = (
        cases_visible_to(user)
        .filter(OPEN_Q, received_at__gte=now - dt.timedelta(days=days))
        .filter(lat__range=(c_lat - d_lat, c_lat + d_lat), lng__range=(c_lng - d_lng, c_lng + d_lng))
        .exclude(pk=case.pk)
        .select_related("category")
        .order_by("-received_at")[:500]
    )
    found = []
    for other in candidates:
        distance = haversine_m(lat, lng, float(other.lat), float(other.lng))
        if distance <= radius_m:
            found.append(Nearby(other, round(distance)))
    found.sort(key=lambda n: (n.distance_m, n.case.number))
    return found[:limit]
