"""Incidents: link reports, then one action replies to and closes every linked case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from casesys.cases import services as case_services
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.models import CaseEvent, State
from casesys.incidents.models import Incident, IncidentLink
from casesys.incidents.services import (
    IncidentError,
    incident_close_all,
    incident_create,
    incident_draft_reply,
    incident_link,
    incident_unlink,
)
from casesys.notifications.models import Notification
from tests.incidents.conftest import HERE, T0, offset, report

pytestmark = pytest.mark.django_db

REPLY = "您好，案號 {number} 反映之中山南路水管破裂已於今日修復，路面已恢復通行。"


@pytest.fixture
def burst(org, clock):
    """Five reports of one water-main break, each in another state of the workflow."""
    dispatched = report(org, email="a@example.invalid")  # pothole: routed to 道路養護科
    received = report(org, category=org.mailbox, at=T0 + dt.timedelta(minutes=20), email="b@example.invalid")
    elsewhere = report(org, category=org.lights, at=T0 + dt.timedelta(minutes=40), email="c@example.invalid")
    in_progress = report(org, at=T0 + dt.timedelta(hours=1), email="d@example.invalid")
    case_services.case_accept(case=in_progress, by=org.officer)
    pending = report(org, at=T0 + dt.timedelta(hours=2), email="e@example.invalid")
    case_services.case_accept(case=pending, by=org.officer)
    case_services.case_submit_reply(case=pending, reply="草稿", by=org.officer)
    incident = incident_create(case=dispatched, title="中山南路水管破裂", public_description="自來水管線破裂，已派員搶修。", by=org.intake)
    incident_link(incident=incident, cases=[received, elsewhere, in_progress, pending], by=org.intake)
    return incident, [dispatched, received, elsewhere, in_progress, pending]


def test_create_links_the_first_report_and_takes_its_place_time_and_department(org, burst):
    incident, cases = burst
    incident.refresh_from_db()
    assert incident.owner_department == org.road and incident.category == org.pothole
    assert incident.status == "open" and incident.started_at == T0
    assert incident.last_report_at == T0 + dt.timedelta(hours=2)
    assert IncidentLink.objects.filter(incident=incident).count() == 5
    # The citizen's timeline says the case is handled with the event, by its public title.
    event = CaseEvent.objects.get(case=cases[1], kind="incident_linked")
    assert event.public and "中山南路水管破裂" in event.public_text


def test_a_case_belongs_to_at_most_one_incident(org, burst):
    incident, cases = burst
    other = incident_create(case=report(org, at=T0 + dt.timedelta(hours=3)), title="另一事件", by=org.intake)
    with pytest.raises(ValidationError) as exc:
        incident_link(incident=other, cases=[cases[1]], by=org.intake)
    assert "已屬於另一事件" in str(exc.value)
    assert IncidentLink.objects.get(case=cases[1]).incident_id == incident.pk


def test_unlink_shrinks_the_window_back(org, burst):
    incident, cases = burst
    incident_unlink(incident=incident, case=cases[4], by=org.intake)
    incident.refresh_from_db()
    assert incident.last_report_at == T0 + dt.timedelta(hours=1)
    assert CaseEvent.objects.filter(case=cases[4], kind="incident_unlinked").exists()


def test_only_the_owner_departments_officers_draft_the_reply(org, burst):
    incident, _ = burst
    with pytest.raises(TransitionPermissionDenied):
        incident_draft_reply(incident=incident, reply=REPLY, by=org.officer_clean)
    with pytest.raises(ValidationError):
        incident_draft_reply(incident=incident, reply="  ", by=org.officer)


def test_close_all_replies_to_and_closes_every_case_through_its_own_workflow(org, burst):
    incident, cases = burst
    incident_draft_reply(incident=incident, reply=REPLY, by=org.officer)
    result = incident_close_all(incident=incident, by=org.supervisor)
    assert sorted(result.closed) == sorted(c.number for c in cases)
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_by == org.supervisor
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.CLOSED
        # Its own number in its own reply, its own on-time result, four eyes kept.
        assert case.reply == REPLY.format(number=case.number)
        assert case.on_time is True
        assert case.replied_by == org.officer and case.approved_by == org.supervisor
        assert case.department == org.road
        assert CaseEvent.objects.filter(case=case, kind="closed").count() == 1
        # Each petitioner is told through their own channel.
        notice = Notification.objects.get(case=case, template="case_reply")
        assert notice.recipient_address == case.petitioner.email
        assert case.number in notice.context["reply"]
    assert len({c.number for c in cases}) == 5


def test_the_drafter_cannot_approve_and_officers_cannot_close(org, burst):
    incident, cases = burst
    incident_draft_reply(incident=incident, reply=REPLY, by=org.supervisor)
    with pytest.raises(TransitionPermissionDenied) as exc:
        incident_close_all(incident=incident, by=org.supervisor)
    assert "自己擬辦" in exc.value.message
    with pytest.raises(TransitionPermissionDenied):
        incident_close_all(incident=incident, by=org.officer)
    assert all(c.state != State.CLOSED for c in type(cases[0]).objects.filter(pk__in=[c.pk for c in cases]))


def test_close_all_without_a_reply_is_refused(org, burst):
    incident, _ = burst
    with pytest.raises(ValidationError):
        incident_close_all(incident=incident, by=org.supervisor)


def test_a_pending_extension_stops_close_all_and_nothing_is_half_done(org, burst):
    incident, cases = burst
    in_progress = cases[3]
    in_progress.refresh_from_db()
    case_services.case_request_extension(case=in_progress, days=2, reason="待材料", status_text="施工中", by=org.officer)
    incident_draft_reply(incident=incident, reply=REPLY, by=org.officer)
    with pytest.raises(IncidentError) as exc:
        incident_close_all(incident=incident, by=org.supervisor)
    assert in_progress.number in exc.value.message
    assert not type(cases[0]).objects.filter(pk__in=[c.pk for c in cases], state=State.CLOSED).exists()
    assert Incident.objects.get(pk=incident.pk).status == "open"


def test_a_closed_incident_takes_no_more_links(org, burst):
    incident, _ = burst
    incident_draft_reply(incident=incident, reply=REPLY, by=org.officer)
    incident_close_all(incident=incident, by=org.supervisor)
    lat, lng = offset(*HERE, north_m=10)
    with pytest.raises(IncidentError):
        incident_link(incident=incident, cases=[report(org, lat=lat, lng=lng, at=T0 + dt.timedelta(hours=3))], by=org.intake)
