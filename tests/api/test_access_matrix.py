"""Role × endpoint: who gets what. Out-of-scope cases answer 404, never 403."""

from __future__ import annotations

import pytest

from casesys.cases import services
from tests.api.conftest import ROLES, case_at, cases_url
from tests.factories import UserFactory, new_case

pytestmark = pytest.mark.django_db

ANON = "anonymous"
NOROLE = "norole"


@pytest.fixture
def caller(org, client_for):
    def make(role: str):
        if role == ANON:
            return client_for(None)
        if role == NOROLE:
            return client_for(UserFactory(username="norole"))
        return client_for(role)

    return make


# Detail of a case in the road section (dispatched, not yet accepted).
ROAD_DETAIL = {
    "intake": 404,
    "officer": 200,
    "officer_light": 404,
    "officer_clean": 404,
    "supervisor": 200,
    "supervisor_epb": 404,
    "analyst": 200,
    "admin": 200,
    NOROLE: 403,
    ANON: 403,
}

# Detail of a case still with intake (received, no department).
INTAKE_QUEUE_DETAIL = {
    "intake": 200,
    "officer": 404,
    "officer_light": 404,
    "officer_clean": 404,
    "supervisor": 404,
    "supervisor_epb": 404,
    "analyst": 200,
    "admin": 200,
    NOROLE: 403,
    ANON: 403,
}

# Accept on the dispatched road case.
ACCEPT = {
    "intake": 404,
    "officer": 200,
    "officer_light": 404,
    "officer_clean": 404,
    "supervisor": 200,
    "supervisor_epb": 404,
    "analyst": 403,
    "admin": 200,
    NOROLE: 403,
    ANON: 403,
}

# Reveal on the dispatched road case (not confidential).
REVEAL = {
    "intake": 404,
    "officer": 403,
    "officer_light": 404,
    "officer_clean": 404,
    "supervisor": 200,
    "supervisor_epb": 404,
    "analyst": 403,
    "admin": 200,
    NOROLE: 403,
    ANON: 403,
}

INTAKE = {
    "intake": 201,
    "officer": 201,
    "officer_light": 201,
    "officer_clean": 201,
    "supervisor": 201,
    "supervisor_epb": 201,
    "analyst": 403,
    "admin": 201,
    NOROLE: 403,
    ANON: 403,
}

ALL = [*ROLES, NOROLE, ANON]


@pytest.mark.parametrize("role", ALL)
def test_case_detail_scope(org, caller, role):
    case = case_at(org, "dispatched")
    assert caller(role).get(cases_url(case.number)).status_code == ROAD_DETAIL[role]


@pytest.mark.parametrize("role", ALL)
def test_intake_queue_scope(org, caller, role):
    case, _ = new_case(org)
    assert caller(role).get(cases_url(case.number)).status_code == INTAKE_QUEUE_DETAIL[role]


def test_intake_staff_keep_seeing_what_they_registered(org, caller):
    case, _ = new_case(org, by=org.intake)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    assert caller("intake").get(cases_url(case.number)).status_code == 200
    assert case.number in [r["number"] for r in caller("intake").get(cases_url()).json()["results"]]


@pytest.mark.parametrize("role", ALL)
def test_transition_scope(org, caller, role):
    case = case_at(org, "dispatched")
    r = caller(role).post(cases_url(case.number, "transitions", "accept"), {}, format="json")
    assert r.status_code == ACCEPT[role], r.content


@pytest.mark.parametrize("role", ALL)
def test_reveal_scope(org, caller, role):
    case = case_at(org, "dispatched")
    assert caller(role).post(cases_url(case.number, "reveal")).status_code == REVEAL[role]


@pytest.mark.parametrize("role", ALL)
def test_intake_permission(org, caller, role):
    data = {"channel": "web", "category": "GEN-MAILBOX", "subject": "測試", "description": "內容"}
    assert caller(role).post(cases_url(), data, format="json").status_code == INTAKE[role]


@pytest.mark.parametrize("role", ALL)
def test_list_scope(org, caller, role):
    road = case_at(org, "dispatched")
    queue, _ = new_case(org)
    r = caller(role).get(cases_url())
    if role in (ANON, NOROLE):
        assert r.status_code == 403
        return
    seen = {row["number"] for row in r.json()["results"]}
    expected = {number for number, table in ((road.number, ROAD_DETAIL), (queue.number, INTAKE_QUEUE_DETAIL)) if table[role] == 200}
    assert seen == expected


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize("path", ["/api/v1/categories/", "/api/v1/departments/", "/api/v1/calendar/?year=2026"])
def test_reference_data_needs_sign_in(org, caller, role, path):
    assert caller(role).get(path).status_code == (403 if role == ANON else 200)


@pytest.mark.parametrize("role", ALL)
def test_track_is_public_for_everyone(org, caller, role):
    case, password = new_case(org)
    r = caller(role).post("/api/v1/track/", {"number": case.number, "password": password}, format="json")
    assert r.status_code == 200
