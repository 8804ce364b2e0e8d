"""Leads triage: list, convert into a routed case (linked to its source message), dismiss."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from casesys.cases.models import Case, CaseMessage, State
from casesys.inbound.models import ChatGroup, Lead
from casesys.inbound.services import lead_record
from casesys.notifications.models import Notification

pytestmark = pytest.mark.django_db

SENDER = "U4af4980629f0e2b3c4d5e6f7a8b9c0d1"


@pytest.fixture
def group(db):
    return ChatGroup.objects.create(provider="line", group_id="Ca56f94637cc4347f90a25382909b24b9", name="福和里里民群組")


@pytest.fixture
def lead(group):
    lead, _ = lead_record(
        source="line",
        external_id="468789577898262531",
        text="福和橋下路燈不亮很危險",
        occurred_at=dt.datetime(2026, 11, 22, 9, 33, 22, tzinfo=dt.UTC),
        reason="mention",
        group=group,
        sender_id=SENDER,
        sender_name="福和里長",
        raw={"message_id": "468789577898262531"},
    )
    return lead


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_officer_sees_the_triage_queue(org, lead):
    response = api(org.officer).get("/api/v1/leads/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == lead.pk
    assert item["text"] == "福和橋下路燈不亮很危險"
    assert item["group"]["name"] == "福和里里民群組"
    # An officer triages the content; the sender of a lead not yet converted is masked
    # (only intake and administrators see it, like an unassigned case's petitioner).
    assert item["sender_name"] == "福○○長" and item["sender_masked"] is True
    assert SENDER not in str(item)
    assert item["status"] == "new"


def test_queue_filters_by_status(org, lead):
    api(org.intake).post(f"/api/v1/leads/{lead.pk}/dismiss/", {"reason": "重複"}, format="json")
    assert api(org.intake).get("/api/v1/leads/").json()["results"] == []
    assert len(api(org.intake).get("/api/v1/leads/?status=dismissed").json()["results"]) == 1
    assert api(org.intake).get("/api/v1/leads/?status=bogus").status_code == 400


def test_analysts_and_anonymous_users_cannot_triage(org, lead, client):
    assert api(org.analyst).get("/api/v1/leads/").status_code == 403
    assert api(org.analyst).post(f"/api/v1/leads/{lead.pk}/dismiss/", {"reason": "x"}, format="json").status_code == 403
    assert client.get("/api/v1/leads/").status_code in (401, 403)


def test_convert_opens_a_routed_case_linked_to_the_source_message(org, lead):
    response = api(org.intake).post(f"/api/v1/leads/{lead.pk}/convert/", {"category": "LIGHT-OUT"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(number=data["case"]["number"])
    assert case.channel == "line"
    assert case.category == org.lights
    assert case.state == State.DISPATCHED and case.department == org.light  # routed by its category
    assert case.subject == "福和橋下路燈不亮很危險"
    assert list(case.petitioner.contacts.values_list("channel", "address", "verified")) == [("line", SENDER, True)]
    source = CaseMessage.objects.get(case=case, kind="lead")
    assert source.external_id == "468789577898262531"
    assert source.data["group"] == "Ca56f94637cc4347f90a25382909b24b9"
    lead.refresh_from_db()
    assert (lead.status, lead.case, lead.decided_by) == (Lead.Status.CONVERTED, case, org.intake)
    # The group hears the case number (push through the outbox: the reply token expired).
    group_note = Notification.objects.get(template="lead_converted")
    assert group_note.channel == "line"
    assert group_note.recipient_address == "Ca56f94637cc4347f90a25382909b24b9"
    assert case.number in group_note.body
    assert data["lead"]["case"] == case.number


def test_converting_twice_is_a_conflict(org, lead):
    first = api(org.intake).post(f"/api/v1/leads/{lead.pk}/convert/", {"category": "LIGHT-OUT"}, format="json")
    second = api(org.intake).post(f"/api/v1/leads/{lead.pk}/convert/", {"category": "LIGHT-OUT"}, format="json")
    assert (first.status_code, second.status_code) == (201, 409)
    assert Case.objects.count() == 1


def test_convert_with_unknown_category_is_400_and_changes_nothing(org, lead):
    response = api(org.intake).post(f"/api/v1/leads/{lead.pk}/convert/", {"category": "NOPE"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "category" in body.get("errors", body)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and Case.objects.count() == 0


def test_dismiss_needs_a_reason(org, lead):
    assert api(org.officer).post(f"/api/v1/leads/{lead.pk}/dismiss/", {"reason": " "}, format="json").status_code == 400
    response = api(org.officer).post(f"/api/v1/leads/{lead.pk}/dismiss/", {"reason": "非本府權責"}, format="json")
    assert response.status_code == 200
    assert response.json()["dismiss_reason"] == "非本府權責"
    lead.refresh_from_db()
    assert (lead.status, lead.decided_by) == (Lead.Status.DISMISSED, org.officer)
    again = api(org.officer).post(f"/api/v1/leads/{lead.pk}/convert/", {"category": "LIGHT-OUT"}, format="json")
    assert again.status_code == 409


def test_unknown_lead_is_404(org):
    assert api(org.intake).post("/api/v1/leads/999999/dismiss/", {"reason": "x"}, format="json").status_code == 404
