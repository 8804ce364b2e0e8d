"""The map in a real browser, offline (no tiles): a citizen pins the place in the mailbox by
clicking the map and sends the letter; staff see the pin and the nearby case on the case
page and the cases as a cluster on the desk map; the dashboard draws the density grid.
axe finds no violation on any of these pages (nor on the mailbox showing a coordinate error)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from casesys.cases.models import Case
from casesys.common.geo import in_taiwan
from casesys.incidents.models import IncidentLink
from casesys.incidents.services import incident_create
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.incidents.conftest import offset, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_letter(page, org):
    page.select_option("#id_category", str(org.mailbox.pk))
    page.fill("#id_subject", "中山路人行道破損")
    page.fill("#id_description", "人行道地磚破損翹起，行人容易絆倒。")
    page.fill("#id_name", "王小明")
    page.fill("#id_phone", "0912345678")
    page.check("#id_privacy")


def test_citizen_pins_the_place_and_staff_see_it_on_the_maps(live_server, org, new_page, problems):
    base = live_server.url
    citizen = new_page()
    citizen.context.set_default_timeout(60_000)  # the shared test machine is slow at times
    citizen.goto(f"{base}/mailbox/")
    citizen.wait_for_selector("#pick-map.leaflet-container")
    assert_accessible(citizen)

    # Half a coordinate typed: a clear error next to the field (and the page still accessible).
    fill_letter(citizen, org)
    citizen.fill("#id_lat", "25.04")
    citizen.click("main button[type=submit]")
    assert "請同時填寫緯度與經度" in citizen.inner_text("#id_lng_error")
    assert citizen.input_value("#id_lat") == "25.04"
    citizen.wait_for_selector("#pick-map.leaflet-container")
    assert_accessible(citizen)

    # --- the citizen clicks the map: the pin is set and the fields are filled ------------------
    box = citizen.locator("#pick-map").bounding_box()
    citizen.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 + 10)
    citizen.wait_for_function("document.querySelector('#id_lng').value !== ''")
    lat, lng = float(citizen.input_value("#id_lat")), float(citizen.input_value("#id_lng"))
    assert in_taiwan(lat, lng)
    assert "已設定位置" in citizen.inner_text("#pick-map-status")
    assert citizen.locator("#pick-map .leaflet-marker-icon").count() == 1
    citizen.check("#id_privacy")  # the form came back after the error
    citizen.click("main button[type=submit]")
    number = citizen.inner_text("#case-number").strip()
    assert re.fullmatch(r"CS-\d{7}-\d{5}", number)
    case = Case.objects.get(number=number)
    assert (float(case.lat), float(case.lng)) == (round(lat, 6), round(lng, 6))

    # Two more reports close by (pothole cases routed to 道路養護科, in 工務局's subtree).
    reports = []
    for north in (60, -40):
        near_lat, near_lng = offset(lat, lng, north_m=north)
        reports.append(
            report(org, at=timezone.now() - dt.timedelta(hours=1), lat=near_lat, lng=near_lng, subject=f"人行道破損 {north}")
        )
    # One of them already opened an incident.
    incident = incident_create(case=reports[0], title="中山路人行道破損", by=org.intake)
    Case.objects.filter(pk=case.pk).update(category=org.pothole, department=org.road, state="dispatched")

    # --- the supervisor sees the pin and the nearby cases on the case page ---------------------
    staff = new_page()
    staff.context.set_default_timeout(60_000)
    login(staff, base, "supervisor")
    staff.goto(f"{base}/desk/cases/{number}/")
    staff.wait_for_selector("#case-map .leaflet-marker-icon")
    assert staff.locator("#case-map path.nearby-case").count() == 2
    assert staff.locator("#nearby-cases-list li").count() == 2
    assert f"{case.lat}, {case.lng}" in staff.inner_text("#case-coords")
    assert_accessible(staff)

    # --- the desk map clusters the three open cases ---------------------------------------------
    staff.goto(f"{base}/desk/map/")
    staff.wait_for_selector("#desk-map[data-loaded='3']")
    assert "3" in staff.inner_text("#desk-map-status")
    cluster = staff.locator("#desk-map .marker-cluster")
    cluster.first.wait_for()
    assert cluster.first.inner_text().strip() == "3"
    assert_accessible(staff)
    assert staff.locator("#desk-map path.incident-marker").count() == 1  # the incident, apart
    # A click on the cluster zooms in (or spreads it): the single pins appear.
    cluster.first.click()
    staff.wait_for_function("document.querySelectorAll('#desk-map .leaflet-marker-icon:not(.marker-cluster)').length >= 2")
    # Select the citizen's case on the map and link it to the incident.
    staff.click(f"#desk-map .leaflet-marker-icon[title='{number}']")
    staff.click("#desk-map .leaflet-popup button.select-case")
    assert staff.is_checked(f"#map-sel-{number}")
    # (axe judges colours as drawn: wait for the popup's fade-in to end.)
    staff.wait_for_function("getComputedStyle(document.querySelector('#desk-map .leaflet-popup')).opacity === '1'")
    assert_accessible(staff)
    staff.select_option("#bulk-incident", str(incident.pk))
    staff.click("#bulk-link")
    assert "已併入事件" in staff.inner_text(".messages")
    assert IncidentLink.objects.get(case=case).incident == incident
    # Filtered like the queue: the mailbox category has none of them now.
    staff.goto(f"{base}/desk/map/?category={org.mailbox.pk}")
    staff.wait_for_selector("#desk-map[data-loaded='0']")

    # --- the dashboard's density grid ---------------------------------------------------------
    staff.goto(f"{base}/reports/")
    staff.wait_for_selector("#density-map path.density-cell")
    assert staff.locator("#density-map path.density-cell").count() >= 1
    assert_accessible(staff)

    # --- intake pins a phone case the same way --------------------------------------------------
    login(staff, base, "intake")
    staff.goto(f"{base}/desk/intake/new/")
    staff.wait_for_selector("#pick-map.leaflet-container")
    assert_accessible(staff)
    staff.fill("#id_lat", str(lat))
    staff.fill("#id_lng", str(lng))
    staff.press("#id_lng", "Tab")  # typed coordinates move the pin
    staff.wait_for_selector("#pick-map .leaflet-marker-icon")
    with staff.expect_response(lambda r: "/desk/incidents/suggest/" in r.url):
        # A click moves the pin, fills the fields and, like typing, asks for incident suggestions.
        box = staff.locator("#pick-map").bounding_box()
        staff.mouse.click(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2)
    assert staff.input_value("#id_lng") != str(lng)

    # The form sent back with its error answers 400 on purpose; nothing else may complain.
    expected = f"console: Failed to load resource: the server responded with a status of 400 (Bad Request) @ {base}/mailbox/"
    assert [e for e in problems.errors if e != expected] == []
