"""A lead's sender is shown like the petitioner of the case it became: in clear only to users
who could see that petitioner (casesys.inbound.privacy); a lead not converted yet, only to
intake and administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from casesys.cases.models import Case
from casesys.inbound.models import ChatGroup, Lead
from casesys.inbound.services import lead_convert, lead_record

pytestmark = pytest.mark.django_db

SENDER = "U4af4980629f0e2b3c4d5e6f7a8b9c0d1"
NAME = "林志明"
TEXT = "福和橋下路燈不亮很危險，我住福和路100號3樓，電話0912.345.678"


@pytest.fixture
def lead(db):
    group = ChatGroup.objects.create(provider="line", group_id="Ca56f94637cc4347f90a25382909b24b9", name="福和里里民群組")
    lead, _ = lead_record(
        source="line",
        external_id="468789577898262531",
        text=TEXT,
        occurred_at=dt.datetime(2026, 11, 22, 9, 33, 22, tzinfo=dt.UTC),
        reason="mention",
        group=group,
        sender_id=SENDER,
        sender_name=NAME,
        raw={"message_id": "468789577898262531"},
    )
    return lead


def _item(user, lead: Lead) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/leads/?status=all")
    assert response.status_code == 200
    [item] = [i for i in response.json()["results"] if i["id"] == lead.pk]
    return item


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/desk/leads/?status=" + Lead.objects.get().status).content.decode()


def _converted(org, lead: Lead, *, confidential: bool = False) -> Case:
    result = lead_convert(lead=lead, by=org.intake, category=org.pothole, notify_group=False)
    if confidential:
        # Confidentiality asked for later (by phone): the lead follows the case.
        Case.objects.filter(pk=result.case.pk).update(confidential=True)
    return Case.objects.get(pk=result.case.pk)


@pytest.mark.parametrize("role", ["intake", "admin"])
def test_new_lead_shows_the_sender_to_intake_and_administrators(org, lead, role):
    user = getattr(org, role)
    item = _item(user, lead)
    assert (item["sender_name"], item["sender_id"], item["sender_masked"]) == (NAME, SENDER, False)
    assert NAME in _page(user)


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_new_lead_masks_the_sender_for_other_triage_roles(org, lead, role):
    user = getattr(org, role)
    item = _item(user, lead)
    assert item["sender_name"] == "林○明" and item["sender_masked"] is True
    assert SENDER not in str(item) and item["sender_id"].startswith("U4a")
    assert item["text"] == TEXT  # the content is what they triage
    page = _page(user)
    assert NAME not in page and "林○明" in page


def test_converted_lead_shows_the_sender_like_the_cases_petitioner(org, lead):
    case = _converted(org, lead)
    assert case.department == org.road
    case.assignee = org.officer
    case.save(update_fields=["assignee"])
    # The assignee and intake may see the petitioner; an officer of another unit may not.
    assert _item(org.officer, lead)["sender_name"] == NAME
    assert _item(org.intake, lead)["sender_name"] == NAME
    for user in (org.officer_clean, org.supervisor):
        item = _item(user, lead)
        assert item["sender_name"] == "林○明" and SENDER not in str(item)


@pytest.mark.parametrize("role", ["intake", "admin", "officer", "supervisor"])
def test_lead_of_a_confidential_case_is_masked_for_everyone_with_its_text(org, lead, role):
    _converted(org, lead, confidential=True)
    user = getattr(org, role)
    item = _item(user, lead)
    assert item["sender_masked"] is True and NAME not in str(item) and SENDER not in str(item)
    assert "100號" not in item["text"] and "345.678" not in item["text"]
    assert "福和路○號" in item["text"] and "09xx-xxx-678" in item["text"]
    page = _page(user)
    assert NAME not in page and "100號" not in page and "345.678" not in page
