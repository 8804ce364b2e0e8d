"""The map: pins from the mailbox and intake, the desk map's JSON, nearby cases, the density
grid, and the CSP allowing the configured tile host."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from casesys.cases.models import Case, State
from casesys.incidents.services import incident_create
from casesys.mapconf import DEFAULT_TILE_URL, tile_origin, tile_url_from
from casesys.reports.density import density_cells
from casesys.web.maps import nearby_open_cases
from tests.incidents.conftest import HERE, T0, offset, report
from tests.web.test_portal import letter

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0 + dt.timedelta(hours=8), tick=False)
    return T0


def close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=T0)


# --- pinning: the mailbox and intake ---------------------------------------------------------


def test_mailbox_letter_keeps_the_pin(org):
    resp = Client().post("/mailbox/", letter(org, lat="25.0478001", lng="121.517"))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert (case.lat, case.lng) == (Decimal("25.047800"), Decimal("121.517000"))


def test_mailbox_without_a_pin_is_fine(org):
    assert Client().post("/mailbox/", letter(org)).status_code == 302
    assert Case.objects.get().lat is None


@pytest.mark.parametrize(
    ("lat", "lng", "field", "message"),
    [
        ("35.68", "139.69", "lat", "座標不在臺灣範圍內"),  # Tokyo
        ("121.517", "25.0478", "lat", "座標不在臺灣範圍內"),  # swapped
        ("25.0478", "", "lng", "請同時填寫緯度與經度"),
        ("north", "121.5", "lat", "請輸入數字"),
    ],
)
def test_mailbox_refuses_coordinates_outside_taiwan_with_a_form_error(org, lat, lng, field, message):
    resp = Client().post("/mailbox/", letter(org, lat=lat, lng=lng))
    assert resp.status_code == 400
    html = resp.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    # What was typed stays in the fields.
    assert f'value="{lat}"' in html
    assert Case.objects.count() == 0


def test_mailbox_page_has_the_pick_map_and_typeable_fields(org):
    html = Client().get("/mailbox/").content.decode()
    assert 'data-map="pick"' in html and 'data-lat="#id_lat"' in html
    assert '<label for="id_lat">' in html and '<label for="id_lng">' in html
    assert "web/leaflet/leaflet.js" in html and "web/map.js" in html
    config = json.loads(html.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    assert config["tileUrl"] == ""  # tests run offline
    assert config["geocodeUrl"] == ""  # no geocoder: no button


def test_intake_refuses_coordinates_outside_taiwan(org, client_for):
    c = client_for(org.intake)
    data = {"channel": "phone", "category": org.pothole.pk, "subject": "坑洞", "description": "路面坑洞", "lat": "10.5", "lng": "121.5"}
    resp = c.post("/desk/intake/new/", data)
    assert resp.status_code == 400 and "座標不在臺灣範圍內" in resp.content.decode()
    resp = c.post("/desk/intake/new/", {**data, "lat": "25.0478"})
    assert resp.status_code == 302
    assert Case.objects.get().lat == Decimal("25.047800")


# --- the desk map ------------------------------------------------------------------------------


def test_desk_map_json_is_filtered_scoped_and_has_no_personal_data(org, clock, client_for):
    pothole = report(org, subject="中山南路坑洞")
    lamp = report(org, category=org.lights, subject="路燈不亮", lat=HERE[0] + 0.01)
    report(org, subject="沒有座標", lat=None, lng=None)
    done = report(org, subject="已結案")
    close(done)

    data = client_for(org.supervisor).get("/desk/map/data/").json()
    assert {c["number"] for c in data["cases"]} == {pothole.number, lamp.number}
    point = next(c for c in data["cases"] if c["number"] == pothole.number)
    assert set(point) == {"number", "subject", "state", "category", "lat", "lng", "url"}
    assert point["url"] == f"/desk/cases/{pothole.number}/" and point["lat"] == HERE[0]
    raw = json.dumps(data, ensure_ascii=False)
    for personal in ("陳大文", "0912345678", "citizen@example.invalid", "中山南路1號", "車輛無法通行"):
        assert personal not in raw

    # Filtered like the queue: the category filter (subcategories included).
    data = client_for(org.supervisor).get("/desk/map/data/", {"category": org.lights.pk}).json()
    assert [c["number"] for c in data["cases"]] == [lamp.number]
    # Scoped: another department's officer sees neither.
    assert client_for(org.officer_clean).get("/desk/map/data/").json()["cases"] == []
    # A bad filter is a 400, not an unfiltered map.
    assert client_for(org.supervisor).get("/desk/map/data/", {"category": "x"}).status_code == 400
    # Staff only.
    assert Client().get("/desk/map/data/").status_code == 302


def test_desk_map_shows_open_incidents(org, clock, client_for):
    first = report(org)
    incident = incident_create(case=first, title="中山南路水管破裂", by=org.intake)
    data = client_for(org.officer).get("/desk/map/data/").json()
    [inc] = data["incidents"]
    assert inc["id"] == incident.pk and inc["title"] == "中山南路水管破裂" and inc["reports"] == 1
    assert inc["url"] == f"/desk/incidents/{incident.pk}/"
    assert (inc["lat"], inc["lng"]) == HERE


def test_desk_map_page_reuses_the_queue_filters(org, client_for):
    html = client_for(org.officer).get("/desk/map/", {"category": org.pothole.pk}).content.decode()
    assert 'data-map="cases"' in html and 'id="id_category"' in html
    assert f"/desk/map/data/?category={org.pothole.pk}" in html
    assert "web/leaflet/leaflet.markercluster.js" in html


# --- the case page: pin and nearby cases -----------------------------------------------------


def test_nearby_open_cases_within_300_m_and_30_days(org, clock, client_for):
    case = report(org)
    near = report(org, subject="附近坑洞", **dict(zip(("lat", "lng"), offset(*HERE, north_m=200), strict=True)))
    far = report(org, subject="遠處坑洞", **dict(zip(("lat", "lng"), offset(*HERE, east_m=450), strict=True)))
    closed = report(org, subject="已結案", **dict(zip(("lat", "lng"), offset(*HERE, east_m=50), strict=True)))
    close(closed)
    old = report(org, subject="舊案", at=T0 - dt.timedelta(days=31), lat=HERE[0], lng=HERE[1] + 0.0005)
    found = nearby_open_cases(user=org.supervisor, case=case)
    assert [n.case.number for n in found] == [near.number]
    assert 195 <= found[0].distance_m <= 205
    # Only what the user may see.
    assert nearby_open_cases(user=org.officer_clean, case=case) == []

    html = client_for(org.supervisor).get(f"/desk/cases/{case.number}/").content.decode()
    assert 'data-map="show"' in html and 'data-lat="25.047800"' in html
    listed = html.split('id="nearby-cases-list"')[1].split("</ul>")[0]
    assert near.number in listed and far.number not in listed and closed.number not in listed and old.number not in listed
    nearby_json = json.loads(html.split('id="nearby-cases" type="application/json">')[1].split("</script>")[0])
    assert [p["number"] for p in nearby_json] == [near.number] and "陳大文" not in json.dumps(nearby_json, ensure_ascii=False)


def test_case_without_coordinates_has_no_map(org, clock, client_for):
    case = report(org, lat=None, lng=None)
    html = client_for(org.supervisor).get(f"/desk/cases/{case.number}/").content.decode()
    assert 'data-map="show"' not in html and "web/leaflet/leaflet.js" not in html


# --- the dashboard's density grid -------------------------------------------------------------


def test_density_counts_cases_per_cell_in_sql(org, clock, client_for, django_assert_max_num_queries):
    for _ in range(3):
        report(org, lat=25.0412, lng=121.5123)
    report(org, lat=25.0431, lng=121.5149)  # the same 0.005° cell
    report(org, lat=25.0612, lng=121.5123)  # another cell
    report(org, lat=25.0412, lng=121.5123, at=T0 - dt.timedelta(days=40))  # before the 30 days
    report(org, lat=None, lng=None)
    report(org, category=org.lights, lat=25.0412, lng=121.5123)  # 路燈科 is under 工務局 too

    with django_assert_max_num_queries(3):
        data = density_cells(org.supervisor)
    assert [c["count"] for c in data["cells"]] == [5, 1]
    top = data["cells"][0]
    assert (top["south"], top["west"]) == (25.04, 121.51)
    assert top["north"] == pytest.approx(25.045) and top["east"] == pytest.approx(121.515)
    assert data["max"] == 5 and data["total"] == 6
    # Scoped like every report: EPB's supervisor sees none of the public-works cases.
    assert density_cells(org.supervisor_epb)["cells"] == []

    html = client_for(org.supervisor).get("/reports/").content.decode()
    assert 'data-map="density"' in html and 'id="density-table"' in html
    grid = json.loads(html.split('id="density-data" type="application/json">')[1].split("</script>")[0])
    assert grid["max"] == 5


# --- tiles and the CSP ------------------------------------------------------------------------


def test_tile_origin_and_switch():
    assert tile_origin(DEFAULT_TILE_URL) == "https://wmts.nlsc.gov.tw"
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_url_from("none") == "" and tile_origin("") == ""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        tile_url_from("javascript:alert(1)")


def test_csp_allows_the_default_tile_host(org):
    resp = Client().get("/mailbox/")
    policy = resp.get("Content-Security-Policy-Report-Only") or resp["Content-Security-Policy"]
    img = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "https://wmts.nlsc.gov.tw" in img.split()


def _settings_in_subprocess(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CASESYS_MAP", "CASESYS_GEOCODER"))}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({'img': settings._CSP_POLICY['DIRECTIVES']['img-src'], 'map': settings.CASESYS_MAP}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "casesys.settings", **env},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_csp_follows_the_configured_tile_url():
    got = _settings_in_subprocess(CASESYS_MAP_TILE_URL="https://tiles.example.gov.tw/osm/{z}/{x}/{y}.png")
    assert "https://tiles.example.gov.tw" in got["img"] and "https://wmts.nlsc.gov.tw" not in got["img"]
    got = _settings_in_subprocess(CASESYS_MAP_TILE_URL="none")
    assert got["map"]["TILE_URL"] == "" and got["img"] == ["'self'", "data:"]


def test_the_english_ui_has_english_map_words_only(org, clock, client_for):
    case = report(org)
    c = client_for(org.supervisor)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get("/desk/map/").content.decode()
    assert "<h1>Case map</h1>" in html and '"zoomIn": "Zoom in"' in html and "放大" not in html
    [point] = c.get("/desk/map/data/").json()["cases"]
    assert point["state"] == "Dispatched" and point["number"] == case.number
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert "Open cases within 300 m (last 30 days)" in html and "公尺內" not in html
