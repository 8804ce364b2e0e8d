from __future__ import annotations

import datetime as dt

import pytest

from casesys.workcal.models import CalendarOverride

pytestmark = pytest.mark.django_db


def test_categories_list_active_ones_with_codes(org, client_for):
    org.lights.active = False
    org.lights.save()
    rows = client_for("officer").get("/api/v1/categories/").json()
    assert [r["code"] for r in rows] == ["GEN-MAILBOX", "ROAD-POTHOLE"]
    pothole = rows[1]
    assert pothole["department"] == "PWD-ROAD"
    assert pothole["sla_unit"] == "hours" and pothole["sla_value"] == 24


def test_departments_tree(org, client_for):
    rows = client_for("officer").get("/api/v1/departments/").json()
    by_code = {r["code"]: r for r in rows}
    assert by_code["PWD-ROAD"]["parent"] == "PWD"
    assert by_code["PWD-ROAD"]["path"] == "/CITY/PWD/PWD-ROAD/"
    assert by_code["CITY"]["parent"] is None


def test_calendar_lists_every_day_with_working_status_and_reason(org, client_for):
    CalendarOverride.objects.create(date=dt.date(2026, 9, 3), is_working_day=False, reason="颱風停班")
    body = client_for("analyst").get("/api/v1/calendar/", {"year": 2026}).json()
    assert body["year"] == 2026
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 365
    assert days["2026-09-03"] == {"date": "2026-09-03", "is_working_day": False, "name": "颱風停班"}
    assert days["2026-01-01"]["is_working_day"] is False and days["2026-01-01"]["name"]
    assert days["2026-01-05"]["is_working_day"] is True  # a Monday


def test_calendar_defaults_to_this_year(org, client_for):
    from django.utils import timezone

    assert client_for("analyst").get("/api/v1/calendar/").json()["year"] == timezone.localdate().year


@pytest.mark.parametrize("year", ["abc", "1800", "99999", "2026.5"])
def test_calendar_bad_year_is_400(org, client_for, year):
    r = client_for("analyst").get("/api/v1/calendar/", {"year": year})
    assert r.status_code == 400
    assert "year" in r.json()["errors"]
