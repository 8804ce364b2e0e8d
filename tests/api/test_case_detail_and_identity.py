from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from casesys.cases.events import CaseEventKind
from casesys.cases.models import CaseEvent
from tests.api.conftest import case_at, cases_url
from tests.factories import new_case

pytestmark = pytest.mark.django_db

PETITIONER = {"name": "王小明", "phone": "0912345678", "email": "wang@example.invalid", "address": "大安區信義路三段5號"}
SECRETS = ("王小明", "0912345678", "wang@example.invalid", "信義路三段5號")


def grant(user, codename: str):
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="cases"))
    # Fresh instance: Django caches permissions on the user object.
    return type(user).objects.get(pk=user.pk)


def detail(client, number):
    r = client.get(cases_url(number))
    assert r.status_code == 200, r.content
    return r.json()


def test_detail_has_timeline_and_available_transitions(org, client_for):
    case = case_at(org, "in_progress", petitioner=PETITIONER)
    body = detail(client_for("officer"), case.number)
    assert body["number"] == case.number
    assert body["description"].startswith("中山路二段")
    assert body["location"] == {"address": "中山區中山路二段10號", "district": "中山區", "lat": None, "lng": None}
    assert [e["kind"] for e in body["timeline"]] == ["created", "dispatched", "accepted"]
    assert body["timeline"][1]["actor"] == "intake"
    assert body["available_transitions"] == ["submit_reply", "request_extension", "return_to_intake"]
    assert detail(client_for("analyst"), case.number)["available_transitions"] == []
    sup = detail(client_for("supervisor"), case.number)["available_transitions"]
    assert {"assign", "submit_reply", "transfer", "file", "merge", "return_to_intake"} <= set(sup)
    assert "approve" not in sup


@pytest.mark.parametrize("number", ["CS-0000000-99999", "x" * 40, "a\x00b", "%"])
def test_unknown_case_numbers_are_json_404(org, client_for, number):
    r = client_for("admin").get("/api/v1/cases/" + number.replace("%", "%25").replace("\x00", "%00") + "/")
    assert r.status_code == 404
    assert r.json()["detail"]


def test_out_of_scope_case_is_404_not_403(org, client_for):
    case = case_at(org, "dispatched")
    r = client_for("officer_light").get(cases_url(case.number))
    assert r.status_code == 404
    unknown = client_for("officer_light").get(cases_url("CS-0000000-00000"))
    assert r.json() == unknown.json()


# --- masking --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "supervisor", "officer_light"])
def test_roles_without_permission_see_masked_identity(org, client_for, role):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER)
    pet = detail(client_for(role), case.number)["petitioner"]
    assert pet["masked"] is True
    assert pet["name"] == "王○明"
    assert pet["phone"] == "09xx-xxx-678"
    assert pet["email"] == "w○○○@example.invalid"
    assert pet["address"] == "大安區○○○"
    text = client_for(role).get(cases_url(case.number)).content.decode()
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("role", ["intake", "admin"])
def test_intake_and_admin_see_identity(org, client_for, role):
    case, _ = new_case(org, petitioner=PETITIONER)
    pet = detail(client_for(role), case.number)["petitioner"]
    assert pet["masked"] is False and pet["name"] == "王小明" and pet["phone"] == "0912345678"


def test_assigned_officer_sees_identity_colleague_does_not(org, client_for):
    case = case_at(org, "in_progress", petitioner=PETITIONER)
    assert detail(client_for("officer"), case.number)["petitioner"]["name"] == "王小明"


def test_view_identity_permission_unmasks(org, client_for):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER)
    analyst = grant(org.analyst, "view_identity")
    assert detail(client_for(analyst), case.number)["petitioner"]["name"] == "王小明"


@pytest.mark.parametrize("role, state", [("intake", "received"), ("admin", "in_progress"), ("officer", "in_progress")])
def test_confidential_identity_is_masked_even_for_those_who_normally_see_it(org, client_for, role, state):
    case = case_at(org, state, petitioner={**PETITIONER}, confidential=True)
    pet = detail(client_for(role), case.number)["petitioner"]
    assert pet["masked"] is True and pet["confidential"] is True
    assert pet["name"] == "王○明"


# --- reveal ---------------------------------------------------------------------------


def reveal(client, number):
    return client.post(cases_url(number, "reveal"))


def test_supervisor_reveal_shows_identity_and_is_audited(org, client_for):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER)
    assert detail(client_for("supervisor"), case.number)["petitioner"]["can_reveal"] is True
    r = reveal(client_for("supervisor"), case.number)
    assert r.status_code == 200, r.content
    assert r.json()["petitioner"]["name"] == "王小明"
    assert r.json()["petitioner"]["masked"] is False
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.IDENTITY_REVEALED)
    assert event.actor == org.supervisor
    assert event.at is not None
    # The reveal is part of the case's audit trail as staff see it.
    timeline = detail(client_for("admin"), case.number)["timeline"]
    assert any(e["kind"] == "identity_revealed" and e["actor"] == "supervisor" for e in timeline)
    # …but never of the citizen's public timeline.
    assert event.public is False


def test_reveal_not_allowed_is_403_and_not_audited(org, client_for):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER)
    r = reveal(client_for("analyst"), case.number)
    assert r.status_code == 403
    assert r.json()["detail"]
    assert "王小明" not in r.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEventKind.IDENTITY_REVEALED).exists()


def test_reveal_of_out_of_scope_case_is_404(org, client_for):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER)
    assert reveal(client_for("supervisor_epb"), case.number).status_code == 404
    assert not CaseEvent.objects.filter(kind=CaseEventKind.IDENTITY_REVEALED).exists()


def test_confidential_reveal_needs_the_dedicated_permission(org, client_for):
    case, _ = new_case(org, category=org.lights, petitioner=PETITIONER, confidential=True)
    assert reveal(client_for("supervisor"), case.number).status_code == 403
    supervisor = grant(org.supervisor, "reveal_confidential")
    assert detail(client_for(supervisor), case.number)["petitioner"]["can_reveal"] is True
    r = reveal(client_for(supervisor), case.number)
    assert r.status_code == 200
    assert r.json()["petitioner"]["phone"] == "0912345678"
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.IDENTITY_REVEALED, actor=org.supervisor).count() == 1


def test_every_reveal_is_written(org, client_for):
    case, _ = new_case(org, petitioner=PETITIONER, confidential=True)
    for _ in range(3):
        assert reveal(client_for("admin"), case.number).status_code == 200
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.IDENTITY_REVEALED, actor=org.admin).count() == 3


def test_reveal_of_anonymous_case_has_no_petitioner(org, client_for):
    case, _ = new_case(org, petitioner=None)
    r = reveal(client_for("admin"), case.number)
    assert r.status_code == 200
    assert r.json() == {"number": case.number, "petitioner": None, "description": case.description}


def test_export_rows_follow_the_same_masking(org):
    from casesys.cases.identity import petitioner_row

    case, _ = new_case(org, petitioner=PETITIONER)
    assert petitioner_row(org.analyst, case)["name"] == "王○明"
    assert petitioner_row(org.intake, case)["phone"] == "0912345678"
    confidential, _ = new_case(org, petitioner=PETITIONER, confidential=True)
    assert petitioner_row(org.admin, confidential)["name"] == "王○明"
    anonymous, _ = new_case(org, petitioner=None)
    assert petitioner_row(org.admin, anonymous) == {"name": "", "phone": "", "email": "", "address": ""}
