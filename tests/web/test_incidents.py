"""Incidents on the desk: what staff see and the one-click links."""

from __future__ import annotations

import datetime as dt

import pytest

from casesys.cases.models import State
from casesys.incidents.models import Incident, IncidentLink
from casesys.incidents.services import incident_create, incident_draft_reply
from tests.incidents.conftest import HERE, T0, offset, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0 + dt.timedelta(hours=8), tick=False)
    return T0


@pytest.fixture
def incident(org, clock):
    return incident_create(case=report(org), title="中山南路水管破裂", by=org.intake)


def test_case_page_suggests_the_incident_and_links_in_one_click(org, incident, client_for):
    lat, lng = offset(*HERE, east_m=60)
    second = report(org, lat=lat, lng=lng, at=T0 + dt.timedelta(hours=1))
    c = client_for(org.intake)
    page = c.get(f"/desk/cases/{second.number}/").content.decode()
    assert "可能屬於" in page and "中山南路水管破裂" in page
    resp = c.post(f"/desk/incidents/{incident.pk}/link/", {"cases": second.number, "next": f"/desk/cases/{second.number}/"})
    assert resp.status_code == 302 and resp["Location"] == f"/desk/cases/{second.number}/"
    page = c.get(f"/desk/cases/{second.number}/").content.decode()
    assert "本案屬於事件" in page and "併入事件" in page  # the panel and the timeline
    assert IncidentLink.objects.get(case=second).incident == incident


def test_open_an_incident_from_the_case_page(org, clock, client_for):
    case = report(org)
    c = client_for(org.intake)
    resp = c.post(f"/desk/cases/{case.number}/incident/new/", {"incident-title": "颱風路樹倒塌", "incident-public_description": "多處路樹倒塌"})
    incident = Incident.objects.get()
    assert resp["Location"] == f"/desk/incidents/{incident.pk}/"
    page = c.get(resp["Location"]).content.decode()
    assert "颱風路樹倒塌" in page and case.number in page and "多處路樹倒塌" in page


def test_incident_list_shows_counts(org, incident, client_for):
    page = client_for(org.officer).get("/desk/incidents/").content.decode()
    assert "中山南路水管破裂" in page
    assert '<td class="num">1</td><td class="num">1</td>' in page


def test_intake_draft_gets_the_suggestion_and_registering_links_it(org, incident, client_for):
    c = client_for(org.intake)
    lat, lng = offset(*HERE, north_m=-80)
    draft = {"category": org.pothole.pk, "subject": "中山路水管破裂", "description": "路面淹水", "lat": lat, "lng": lng,
             "received_at": (T0 + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    html = c.post("/desk/incidents/suggest/", draft).content.decode()
    assert f'value="{incident.pk}"' in html and "中山南路水管破裂" in html
    assert c.get("/desk/incidents/suggest/").status_code == 405  # never in a URL
    resp = c.post("/desk/intake/new/", {
        **draft, "channel": "phone", "name": "林小姐", "phone": "0922333444", "incident": incident.pk,
    })
    assert resp.status_code == 302
    number = resp["Location"].split("last=")[1]
    assert IncidentLink.objects.get(case__number=number).incident == incident
    page = c.get(resp["Location"]).content.decode()
    assert "已併入事件" in page


def test_queue_bulk_links_the_ticked_cases(org, incident, client_for):
    others = [report(org, at=T0 + dt.timedelta(hours=h)) for h in (1, 2)]
    c = client_for(org.supervisor)
    page = c.get("/desk/queue/department/").content.decode()
    assert 'id="bulk-link"' in page and f'id="sel-{others[0].number}"' in page
    c.post("/desk/incidents/link-selected/", {"incident": incident.pk, "cases": [o.number for o in others]})
    assert IncidentLink.objects.filter(incident=incident).count() == 3


def test_link_refuses_cases_outside_the_callers_scope(org, incident, client_for):
    case = report(org, category=org.lights, at=T0 + dt.timedelta(hours=1))  # 路燈科
    resp = client_for(org.officer_clean).post(f"/desk/incidents/{incident.pk}/link/", {"cases": case.number})
    assert resp.status_code == 302
    assert not IncidentLink.objects.filter(case=case).exists()


def test_reply_and_close_all_from_the_incident_page(org, incident, client_for):
    second = report(org, at=T0 + dt.timedelta(hours=1))
    from casesys.incidents.services import incident_link

    incident_link(incident=incident, cases=[second], by=org.intake)
    officer = client_for(org.officer)
    page = officer.get(f"/desk/incidents/{incident.pk}/").content.decode()
    assert 'id="save-reply"' in page and 'id="close-all"' not in page
    officer.post(f"/desk/incidents/{incident.pk}/reply/", {"reply": "案號 {number} 已修復。"})
    boss = client_for(org.supervisor)
    assert 'id="close-all"' in boss.get(f"/desk/incidents/{incident.pk}/").content.decode()
    resp = boss.post(f"/desk/incidents/{incident.pk}/close/", follow=True)
    assert "已答復並結案 2 件" in resp.content.decode()
    for case in (incident.links.all()):
        case.case.refresh_from_db()
        assert case.case.state == State.CLOSED and case.case.reply == f"案號 {case.case.number} 已修復。"


def test_empty_reply_is_a_form_error(org, incident, client_for):
    resp = client_for(org.officer).post(f"/desk/incidents/{incident.pk}/reply/", {"reply": ""})
    assert resp.status_code == 400


def test_dashboard_shows_incident_counts(org, incident, client_for):
    page = client_for(org.supervisor).get("/reports/").content.decode()
    assert 'id="incident-counts"' in page and "2026-03-10" in page


def test_leads_triage_suggests_the_incident(org, incident, client_for):
    from casesys.inbound.models import Lead

    Lead.objects.create(source="line", external_id="x1", text="中山路水管破裂，整條路淹水", suggested_category=org.pothole,
                        occurred_at=T0 + dt.timedelta(hours=1))
    page = client_for(org.intake).get("/desk/leads/").content.decode()
    assert "可能屬於事件" in page and "中山南路水管破裂" in page


def test_draft_without_rights_is_refused(org, incident, client_for):
    incident_draft_reply(incident=incident, reply="x", by=org.officer)
    resp = client_for(org.officer_clean).post(f"/desk/incidents/{incident.pk}/close/", follow=True)
    assert "只有主責單位的主管" in resp.content.decode()
