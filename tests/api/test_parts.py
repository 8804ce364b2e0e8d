"""Co-handling parts in the API: readable on the case, their own transitions, permissions
following the part's department."""

from __future__ import annotations

import pytest
import time_machine

from tests.api.conftest import cases_url
from tests.cohandling.helpers import MONDAY
from tests.factories import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def part_post(client, number, part_id, name, data=None):
    return client.post(cases_url(number, "parts", str(part_id), "transitions", name), data or {}, format="json")


def test_a_co_handled_case_runs_through_the_api(org, client_for):
    case, _ = new_case(org)
    r = client_for("intake").post(
        cases_url(case.number, "transitions", "dispatch"),
        {"department": "PWD-ROAD", "co_departments": ["EPB-CLEAN"], "note": "請協助清運"},
        format="json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["due_at"].startswith("2026-03-16")
    [part] = body["parts"]
    assert part["department"] == "EPB-CLEAN" and part["state"] == "requested"
    assert part["due_at"].startswith("2026-03-11") and part["request_note"] == "請協助清運"

    # The co-handler sees the case and what it may do with its part.
    clean = client_for("officer_clean")
    detail = clean.get(cases_url(case.number)).json()
    assert detail["parts"][0]["available_transitions"] == ["accept", "return_to_lead"]
    assert detail["available_transitions"] == []  # the case itself is the lead's

    body = part_post(clean, case.number, part["id"], "accept").json()
    assert body["parts"][0]["state"] == "in_progress" and body["parts"][0]["officer"] == "officer_clean"
    r = part_post(clean, case.number, part["id"], "submit_reply", {"reply": "已清運完畢。"})
    assert r.json()["parts"][0]["state"] == "pending_approval"
    r = part_post(client_for("supervisor_epb"), case.number, part["id"], "approve", {"note": "可"})
    assert r.status_code == 200 and r.json()["parts"][0]["state"] == "done"
    assert r.json()["parts"][0]["on_time"] is True

    officer = client_for("officer")
    assert officer.post(cases_url(case.number, "transitions", "accept"), {}, format="json").status_code == 200
    lead = officer.get(cases_url(case.number)).json()
    assert lead["parts"][0]["reply"] == "已清運完畢。"  # at hand to quote
    r = officer.post(cases_url(case.number, "transitions", "submit_reply"), {"reply": "綜合答復：已清運。"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "pending_approval"


def test_the_case_answers_409_while_a_part_is_open(org, client_for):
    from tests.cohandling.helpers import co_handled

    case, _ = co_handled(org)
    r = client_for("officer").post(cases_url(case.number, "transitions", "submit_reply"), {"reply": "答復"}, format="json")
    assert r.status_code == 409
    assert "協辦單位尚未全部完成" in r.json()["detail"]


def test_part_permissions_follow_the_part_department(org, client_for):
    from tests.cohandling.helpers import co_handled

    case, _ = co_handled(org)
    part_id = case.parts.get().pk
    # The lead officer sees the case but may not work the co-handler's part.
    assert part_post(client_for("officer"), case.number, part_id, "accept").status_code == 403
    # Another section's officer does not even see the case.
    assert part_post(client_for("officer_light"), case.number, part_id, "accept").status_code == 404
    # Unknown part, unknown transition.
    assert part_post(client_for("officer_clean"), case.number, 999999, "accept").status_code == 404
    assert part_post(client_for("officer_clean"), case.number, part_id, "fly").status_code == 404
    # A transition not possible from the state: 409.
    assert part_post(client_for("supervisor_epb"), case.number, part_id, "approve").status_code == 409


def test_return_not_ours_and_the_leads_decision(org, client_for):
    from tests.cohandling.helpers import co_handled

    case, _ = co_handled(org)
    part_id = case.parts.get().pk
    r = part_post(client_for("officer_clean"), case.number, part_id, "return_to_lead", {})
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = part_post(client_for("officer_clean"), case.number, part_id, "return_to_lead", {"reason": "非屬本科"})
    assert r.json()["parts"][0]["state"] == "returned"
    assert part_post(client_for("supervisor_epb"), case.number, part_id, "decide_return", {"release": True}).status_code == 403
    r = part_post(client_for("supervisor"), case.number, part_id, "decide_return", {"release": True, "note": "同意"})
    assert r.json()["parts"][0]["state"] == "released"


def test_adding_co_handlers_later(org, client_for):
    from tests.cohandling.helpers import co_handled

    case, _ = co_handled(org)
    url = cases_url(case.number, "parts")
    r = client_for("officer").post(url, {"departments": ["PWD-LIGHT"]}, format="json")
    assert r.status_code == 403
    r = client_for("supervisor").post(url, {"departments": ["NOPE"]}, format="json")
    assert r.status_code == 400 and "departments.0" in r.json()["errors"]
    r = client_for("supervisor").post(url, {"departments": ["EPB-CLEAN"]}, format="json")
    assert r.status_code == 400 and "已是協辦單位" in str(r.json()["errors"])
    r = client_for("supervisor").post(url, {"departments": ["PWD-LIGHT"], "request_note": "請查路燈"}, format="json")
    assert r.status_code == 201
    assert sorted(p["department"] for p in r.json()["parts"]) == ["EPB-CLEAN", "PWD-LIGHT"]


def test_the_citizen_lookup_shows_the_co_handling_but_no_staff(org, client_for):
    from casesys.cases import services
    from casesys.cohandling import services as parts
    from tests.cohandling.helpers import co_handled

    case, password = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    parts.part_submit_reply(part=part, reply="協辦草稿", by=org.officer_clean)
    parts.part_approve(part=part, by=org.supervisor_epb)
    services.case_submit_reply(case=case, reply="綜合答復", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    r = client_for(None).post("/api/v1/track/", {"number": case.number, "password": password}, format="json")
    body = r.json()
    texts = [e["text"] for e in body["timeline"]]
    assert "會同 清潔科 協同辦理 / 清潔科 co-handling the case" in texts
    assert body["reply"] == "綜合答復" and "parts" not in body
    content = r.content.decode()
    for user in (org.officer, org.officer_clean, org.supervisor_epb, org.supervisor):
        assert f'"{user.username}"' not in content and (not user.first_name or user.first_name not in content)
