"""The maps: the desk map of open cases (and incidents), its JSON, the geocoder look-up.

The case page's pin and nearby cases, the mailbox's and intake's pin and the dashboard's density
grid are drawn by the same static map.js from data the pages carry (json_script / data-*);
see docs/web.md, "Map".
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casesys.common.geocoding import GeocoderError, get_geocoder
from casesys.common.limits import client_ident, geocode_limiter, minutes
from casesys.web import maps
from casesys.web.forms import QueueFilterForm
from casesys.web.i18n import tr
from casesys.web.views.common import staff_required

SCOPES = ("department", "mine")


def _filters(request) -> tuple[QueueFilterForm, dict, str, str]:
    form = QueueFilterForm(request.GET or None)
    filters: dict = {}
    search = ""
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if k != "q" and v}
        search = form.cleaned_data.get("q") or ""
    scope = request.GET.get("scope") if request.GET.get("scope") in SCOPES else "department"
    return form, filters, search, scope


@staff_required()
def desk_map(request):
    from casesys.web.views.desk import _incident_bulk

    form, _filters_, _search, scope = _filters(request)
    params = request.GET.copy()
    return render(
        request,
        "web/desk/map.html",
        {
            "form": form,
            "scope": scope,
            "query": params.urlencode(),
            "title": tr("案件地圖", "Case map"),
            # Open incidents (for staff who may link): cases selected on the map join one.
            **_incident_bulk(request.user),
        },
    )


@staff_required()
@require_GET
def desk_map_data(request):
    """Open cases under the queue's filters with coordinates, and open incidents: no personal data."""
    form, filters, search, scope = _filters(request)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    data = maps.desk_map_points(user=request.user, scope=scope, filters=filters, search=search)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


def case_map_context(user, case) -> dict:
    """The case page's map: its pin and the open cases nearby (the user may see), nearest first."""
    if case.lat is None or case.lng is None:
        return {"nearby": [], "nearby_points": []}
    nearby = maps.nearby_open_cases(user=user, case=case)
    points = [{**maps.case_point(n.case), "distance": n.distance_m} for n in nearby]
    return {
        "nearby": nearby,
        "nearby_points": points,
        "nearby_radius": maps.NEARBY_RADIUS_M,
        "nearby_days": maps.NEARBY_DAYS,
    }


@never_cache
@require_GET
def map_geocode(request):
    """GET ?q=<address> → {"lat", "lng", "label"} from the configured geocoder (404 without one)."""
    geocoder = get_geocoder()
    if geocoder is None:
        return JsonResponse({"error": tr("未設定地址定位服務。", "No geocoder is configured.")}, status=404)
    query = (request.GET.get("q") or "").strip()[:200]
    if not query:
        return JsonResponse({"error": tr("請輸入地址。", "Enter an address.")}, status=400)
    limiter, ident = geocode_limiter(), client_ident(request)
    wait = limiter.retry_after(ident)
    if wait:
        response = JsonResponse(
            {"error": tr(f"查詢次數過多，請於 {minutes(wait)} 分鐘後再試。", f"Too many look-ups; try again in {minutes(wait)} minutes.")},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    limiter.record(ident)
    try:
        found = geocoder.geocode(query)
    except GeocoderError:
        return JsonResponse({"error": tr("地址定位服務暫時無法使用，請在地圖上點選。", "The geocoder is unavailable; pin the place on the map.")}, status=502)
    if found is None:
        return JsonResponse({"error": tr("找不到這個地址，請在地圖上點選。", "Address not found; pin the place on the map.")}, status=404)
    return JsonResponse({"lat": found.lat, "lng": found.lng, "label": found.label})
