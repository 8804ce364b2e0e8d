from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.cases.models import Case, CaseEvent
from casesys.cases.numbering import check_case_password
from tests.api.conftest import cases_url

pytestmark = pytest.mark.django_db


def body(**overrides) -> dict:
    data = {
        "channel": "phone",
        "category": "ROAD-POTHOLE",
        "subject": "中正路坑洞",
        "description": "中正路100號前有大坑洞，機車易摔。",
        "petitioner": {"name": "王小明", "phone": "0912345678", "email": "wang@example.invalid", "confidential": False},
        "location": {"address": "中正區中正路100號", "district": "中正區", "lat": 25.0330123, "lng": 121.5654},
    }
    data.update(overrides)
    return data


def test_intake_returns_number_state_department_due_and_password_once(org, client_for):
    r = client_for("intake").post(cases_url(), body(), format="json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert set(out) == {"number", "state", "department", "due_at", "dispatch_due_at", "password"}
    assert out["state"] == "dispatched"  # pothole routes to the road section
    assert out["department"] == "PWD-ROAD"
    assert r["Location"].endswith(f"/api/v1/cases/{out['number']}/")
    case = Case.objects.get(number=out["number"])
    assert check_case_password(out["password"], case.password_hash)
    assert case.registered_by == org.intake
    assert case.petitioner.name == "王小明"
    assert str(case.lat) == "25.033012"
    # The password never appears again: not in detail, timeline or list.
    detail = client_for("admin").get(cases_url(out["number"])).content.decode()
    assert out["password"] not in detail
    assert out["password"] not in client_for("admin").get(cases_url()).content.decode()


def test_intake_without_routing_stays_with_intake(org, client_for):
    r = client_for("intake").post(cases_url(), body(category="GEN-MAILBOX", urgency="urgent", language="en"), format="json")
    assert r.status_code == 201
    assert r.json()["state"] == "received"
    assert r.json()["department"] is None
    case = Case.objects.get(number=r.json()["number"])
    assert case.urgency_id == "urgent" and case.language == "en"


def test_confidential_flag_is_kept(org, client_for):
    pet = {"name": "李四", "phone": "0922333444", "confidential": True}
    r = client_for("intake").post(cases_url(), body(petitioner=pet), format="json")
    assert Case.objects.get(number=r.json()["number"]).confidential is True


def test_anonymous_intake_without_petitioner(org, client_for):
    r = client_for("officer").post(cases_url(), body(petitioner=None, location=None), format="json")
    assert r.status_code == 201, r.content
    assert Case.objects.get(number=r.json()["number"]).anonymous is True


def test_intake_staff_may_backdate_receipt(org, client_for):
    received = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)
    r = client_for("intake").post(cases_url(), body(received_at=received.isoformat()), format="json")
    assert r.status_code == 201
    assert Case.objects.get(number=r.json()["number"]).received_at == received


def test_only_intake_staff_may_set_received_at(org, client_for):
    received = (timezone.now() - dt.timedelta(days=2)).isoformat()
    r = client_for("officer").post(cases_url(), body(received_at=received), format="json")
    assert r.status_code == 400
    assert "received_at" in r.json()["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"channel": "pigeon"}, "channel"),
        ({"category": "NO-SUCH"}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": "   "}, "description"),
        ({"language": "fr"}, "language"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"petitioner": {"email": "not-an-email"}}, "petitioner.email"),
        # Found by schemathesis: a valid but very long address used to overflow a column.
        ({"petitioner": {"email": "0@" + ".".join(["a" * 63] * 3) + "." + "a" * 59}}, "petitioner.email"),
        ({"petitioner": "王小明"}, "petitioner.non_field_errors"),
        ({"location": {"lat": 123}}, "location.lat"),
        ({"location": {"lng": "east"}}, "location.lng"),
        ({"location": {"lat": "NaN"}}, "location.lat"),
    ],
)
def test_invalid_intake_answers_400_with_field_messages_and_writes_nothing(org, client_for, overrides, field):
    r = client_for("intake").post(cases_url(), body(**overrides), format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"], r.json()
    assert r.json()["detail"]
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_missing_required_fields(org, client_for):
    r = client_for("intake").post(cases_url(), {}, format="json")
    assert r.status_code == 400
    assert {"channel", "category", "subject", "description"} <= set(r.json()["errors"])


def test_received_at_far_in_the_future_is_rejected(org, client_for):
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    r = client_for("intake").post(cases_url(), body(received_at=future), format="json")
    assert r.status_code == 400
    assert "received_at" in r.json()["errors"]


def test_inactive_category_cannot_be_used(org, client_for):
    org.mailbox.active = False
    org.mailbox.save()
    r = client_for("intake").post(cases_url(), body(category="GEN-MAILBOX"), format="json")
    assert r.status_code == 400
    assert "category" in r.json()["errors"]


@pytest.mark.parametrize("role", ["analyst"])
def test_analysts_cannot_register_cases(org, client_for, role):
    r = client_for(role).post(cases_url(), body(), format="json")
    assert r.status_code == 403
    assert r.json()["detail"]


def test_anonymous_caller_cannot_register(org, client_for):
    r = client_for(None).post(cases_url(), body(), format="json")
    assert r.status_code == 403
