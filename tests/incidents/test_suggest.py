"""Suggestions: place, category, time and wording must all agree."""

from __future__ import annotations

import datetime as dt

import pytest

from casesys.incidents.services import incident_create
from casesys.incidents.suggest import Draft, suggest_for_case, suggest_incidents
from tests.factories import CategoryFactory
from tests.incidents.conftest import HERE, T0, offset, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(org, clock):
    first = report(org)
    return incident_create(case=first, title="中山南路水管破裂", by=org.intake)


def draft(org, *, category=None, at=None, lat=HERE[0], lng=HERE[1], text="中山路水管破裂，路面淹水", district=""):
    category = category or org.pothole
    return Draft(
        category_id=category.pk, category_parent_id=category.parent_id, received_at=at or T0 + dt.timedelta(hours=1),
        text=text, lat=lat, lng=lng, district=district,
    )


def test_a_nearby_report_of_the_same_event_is_suggested_the_incident(org, incident):
    lat, lng = offset(*HERE, north_m=100)
    found = suggest_incidents(draft=draft(org, lat=lat, lng=lng))
    assert [s.incident_id for s in found] == [incident.pk]
    assert 90 <= found[0].distance_m <= 110
    assert found[0].reports == 1 and found[0].title == "中山南路水管破裂"


def test_too_far_too_late_or_another_category_is_not_suggested(org, incident):
    far = offset(*HERE, north_m=200)
    assert suggest_incidents(draft=draft(org, lat=far[0], lng=far[1])) == []
    assert suggest_incidents(draft=draft(org, at=T0 + dt.timedelta(hours=7))) == []
    assert suggest_incidents(draft=draft(org, category=org.lights)) == []


def test_different_wording_is_not_suggested(org, incident):
    assert suggest_incidents(draft=draft(org, text="公園遊具損壞，兒童受傷")) == []


def test_a_sibling_category_counts_as_the_same(org, clock):
    parent = CategoryFactory(code="WATER", name="排水")
    pipe = CategoryFactory(code="WATER-PIPE", name="水管", parent=parent, department=org.road)
    flood = CategoryFactory(code="WATER-FLOOD", name="淹水", parent=parent, department=org.road)
    first = report(org, category=pipe)
    incident = incident_create(case=first, title="水管破裂", by=org.intake)
    assert [s.incident_id for s in suggest_incidents(draft=draft(org, category=flood))] == [incident.pk]


def test_radius_and_window_are_configurable(org, incident, settings):
    far = offset(*HERE, north_m=200)
    settings.CASESYS_INCIDENTS = {**settings.CASESYS_INCIDENTS, "RADIUS_M": 250, "WINDOW_HOURS": 12}
    assert len(suggest_incidents(draft=draft(org, lat=far[0], lng=far[1], at=T0 + dt.timedelta(hours=10)))) == 1


def test_the_box_grows_with_linked_reports(org, incident):
    from casesys.incidents.services import incident_link

    lat, lng = offset(*HERE, north_m=140)
    incident_link(incident=incident, cases=[report(org, lat=lat, lng=lng, at=T0 + dt.timedelta(hours=5))], by=org.intake)
    # 280 m from the first report, but 140 m from the second; and 10 h after the first.
    lat2, lng2 = offset(*HERE, north_m=280)
    found = suggest_incidents(draft=draft(org, lat=lat2, lng=lng2, at=T0 + dt.timedelta(hours=10)))
    assert [s.incident_id for s in found] == [incident.pk]


def test_without_coordinates_the_district_decides(org, clock):
    first = report(org, lat=None, lng=None)
    incident = incident_create(case=first, title="中正區淹水", by=org.intake)
    assert [s.incident_id for s in suggest_incidents(draft=draft(org, lat=None, lng=None, district="中正區"))] == [incident.pk]
    assert suggest_incidents(draft=draft(org, lat=None, lng=None, district="大安區")) == []
    # No place at all (a lead): only a close wording match.
    assert [s.incident_id for s in suggest_incidents(draft=draft(org, lat=None, lng=None))] == [incident.pk]
    assert suggest_incidents(draft=draft(org, lat=None, lng=None, text="水管很好，謝謝市府")) == []


def test_a_closed_incident_or_a_linked_case_gets_no_suggestion(org, incident):
    second = report(org, at=T0 + dt.timedelta(hours=1))
    assert [s.incident_id for s in suggest_for_case(second)] == [incident.pk]
    assert suggest_for_case(incident.links.get().case) == []
    incident.status = "closed"
    incident.save()
    assert suggest_for_case(second) == []


def test_burst_precision_and_recall(org, clock, time_machine):
    """A small generated burst (bench/incident_burst.py): the bench's targets hold."""
    from bench.incident_burst import burst, evaluate
    from casesys.incidents.models import Incident
    from casesys.incidents.services import incident_link

    start = T0 - dt.timedelta(days=3)
    time_machine.move_to(start + dt.timedelta(days=3), tick=False)
    mains = [CategoryFactory(code=f"M{i}", name=f"主類{i}") for i in range(4)]
    cats = [CategoryFactory(code=f"M{i // 2}-S{i % 2}", name=f"子類{i}", parent=mains[i // 2], department=org.road) for i in range(8)]
    reports = burst(events=6, per_event=8, unrelated=60, categories=8, start=start, seed=3)
    cases: dict = {}

    def as_case(r):
        c = report(org, at=r.received_at, lat=r.lat, lng=r.lng, category=cats[r.category_index],
                   subject=r.subject, description=r.description)
        cases[id(r)] = c
        return c

    def suggest(r):
        d = Draft(category_id=cats[r.category_index].pk, category_parent_id=cats[r.category_index].parent_id,
                  received_at=r.received_at, text=f"{r.subject}\n{r.description}", lat=r.lat, lng=r.lng)
        found = suggest_incidents(draft=d, limit=1)
        return found[0].incident_id if found else None

    result = evaluate(
        reports,
        suggest=suggest,
        open_incident=lambda r: incident_create(case=as_case(r), title=r.subject, by=org.intake).pk,
        link=lambda r, pk: incident_link(incident=Incident.objects.get(pk=pk), cases=[as_case(r)], by=org.intake),
    )
    assert result.right > 20
    assert result.precision >= 0.9, result
    assert result.recall >= 0.8, result
