"""Incidents through the REST API: read, link/unlink, reply, close all."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from casesys.cases.models import State
from casesys.incidents.models import IncidentLink
from tests.incidents.conftest import T0, report

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def cases(org, clock):
    return [report(org, at=T0 + dt.timedelta(minutes=20 * i), email=f"p{i}@example.invalid") for i in range(3)]


def test_the_whole_incident_through_the_api(org, cases):
    intake = api(org.intake)
    r = intake.post("/api/v1/incidents/", {"case": cases[0].number, "title": "中山南路水管破裂"}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["owner_department"] == "PWD-ROAD" and r.json()["reports"] == 1

    r = intake.get(f"/api/v1/incidents/suggest/?case={cases[1].number}")
    assert [s["incident"] for s in r.json()] == [pk]

    r = intake.post(f"/api/v1/incidents/{pk}/link/", {"cases": [cases[1].number, cases[2].number]}, format="json")
    assert r.status_code == 200 and r.json()["reports"] == 3
    r = intake.post(f"/api/v1/incidents/{pk}/unlink/", {"case": cases[2].number}, format="json")
    assert r.json()["reports"] == 2

    r = api(org.officer).post(f"/api/v1/incidents/{pk}/reply/", {"reply": "案號 {number} 已修復。"}, format="json")
    assert r.status_code == 200
    assert api(org.officer).post(f"/api/v1/incidents/{pk}/close-all/").status_code == 403
    r = api(org.supervisor).post(f"/api/v1/incidents/{pk}/close-all/")
    assert r.status_code == 200, r.content
    assert sorted(r.json()["closed"]) == sorted([cases[0].number, cases[1].number])
    assert r.json()["incident"]["status"] == "closed" and r.json()["incident"]["open_reports"] == 0

    detail = api(org.supervisor).get(f"/api/v1/incidents/{pk}/").json()
    assert {c["state"] for c in detail["cases"]} == {State.CLOSED}
    assert all(c["on_time"] is True for c in detail["cases"])
    assert intake.get("/api/v1/incidents/?status=closed").json()[0]["id"] == pk


def test_errors_are_clear(org, cases):
    intake = api(org.intake)
    assert intake.post("/api/v1/incidents/", {"case": cases[0].number}, format="json").status_code == 400
    assert intake.post("/api/v1/incidents/", {"case": "CS-1-1", "title": "x"}, format="json").status_code == 404
    pk = intake.post("/api/v1/incidents/", {"case": cases[0].number, "title": "t"}, format="json").json()["id"]
    r = intake.post(f"/api/v1/incidents/{pk}/link/", {"cases": [cases[0].number]}, format="json")
    assert r.status_code == 400 and "已屬於另一事件" in str(r.json())
    assert intake.get("/api/v1/incidents/?status=nope").status_code == 400
    assert intake.get("/api/v1/incidents/999999/").status_code == 404
    # Analysts read but do not manage; citizens see nothing.
    assert api(org.analyst).get("/api/v1/incidents/").status_code == 200
    assert api(org.analyst).post(f"/api/v1/incidents/{pk}/link/", {"cases": [cases[1].number]}, format="json").status_code == 403
    assert APIClient().get("/api/v1/incidents/").status_code in (401, 403)
    # A case outside the caller's scope looks absent.
    r = api(org.officer_clean).post(f"/api/v1/incidents/{pk}/link/", {"cases": [cases[1].number]}, format="json")
    assert r.status_code == 404
    assert not IncidentLink.objects.filter(case=cases[1]).exists()
