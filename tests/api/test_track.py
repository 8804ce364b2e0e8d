from __future__ import annotations

import pytest

from casesys.cases import services
from tests.api.conftest import case_at
from tests.factories import new_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/track/"
PETITIONER = {"name": "張美華", "phone": "0933222111", "email": "mei@example.invalid", "address": "信義區松仁路1號"}


def track(client, number, password, ip="203.0.113.7"):
    return client.post(URL, {"number": number, "password": password}, format="json", REMOTE_ADDR=ip)


def test_citizen_sees_state_public_timeline_and_due_date(org, client_for):
    case, password = new_case(org, petitioner=PETITIONER)
    services.case_dispatch(case=case, department=org.road, note="內部備註：承辦人請注意", by=org.intake)
    r = track(client_for(None), case.number, password)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["number"] == case.number
    assert body["state"] == "dispatched"
    assert body["state_label"]
    assert body["due_at"]
    assert [e["text"] for e in body["timeline"]] == [
        "案件已受理 / Case received",
        "已分派承辦單位：道路養護科 / Assigned to 道路養護科",
    ]
    assert body["reply"] is None


def test_public_view_carries_no_personal_data_or_internal_notes(org, client_for):
    case, password = new_case(org, petitioner=PETITIONER, subject="信義路積水", description="張小姐家門口積水")
    services.case_dispatch(case=case, department=org.road, note="內部：分文備註", by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_return_to_intake(case=case, reason="內部：非本科業務", by=org.officer)
    body = track(client_for(None), case.number, password).json()
    assert set(body) == {
        "number", "state", "state_label", "category", "received_at", "due_at", "closed_at", "timeline", "reply",
        "merged_into", "merged_into_state", "second_replies",
    }
    assert all(set(e) == {"at", "text"} for e in body["timeline"])
    text = str(body)
    for secret in (*PETITIONER.values(), "張小姐", "積水", "內部", '"officer"', "intake", password):
        assert secret not in text


def test_reply_only_once_closed(org, client_for):
    case, password = new_case(org)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="草稿答復", by=org.officer)
    assert track(client_for(None), case.number, password).json()["reply"] is None
    services.case_approve(case=case, by=org.supervisor)
    body = track(client_for(None), case.number, password).json()
    assert body["state"] == "closed"
    assert body["reply"] == "草稿答復"
    assert body["closed_at"]


def test_reply_of_filed_repeat_is_shown(org, client_for):
    earlier = case_at(org, "closed")
    case, password = new_case(org)
    services.case_file(case=case, reason_code="repeat", repeat_of=earlier, by=org.intake)
    body = track(client_for(None), case.number, password).json()
    assert body["state"] == "filed"
    assert earlier.number in body["reply"]


def test_wrong_password_answers_exactly_like_unknown_number(org, client_for):
    case, _ = new_case(org)
    wrong = track(client_for(None), case.number, "wrongpass23")
    unknown = track(client_for(None), "CS-0000000-00000", "wrongpass23")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content
    assert wrong.headers.get("Content-Type") == unknown.headers.get("Content-Type")


def test_unknown_number_still_checks_a_password_hash(org, client_for, monkeypatch):
    from casesys.api import views

    calls = []
    real = views.check_case_password
    monkeypatch.setattr(views, "check_case_password", lambda raw, enc: calls.append(enc) or real(raw, enc))
    track(client_for(None), "CS-0000000-00000", "whatever22")
    assert len(calls) == 1 and calls[0].startswith("case_pbkdf2_sha256$")


@pytest.mark.parametrize(
    "data, field",
    [({}, "number"), ({"number": "CS-1"}, "password"), ({"number": "x" * 33, "password": "p"}, "number")],
)
def test_track_validation(org, client_for, data, field):
    r = client_for(None).post(URL, data, format="json")
    assert r.status_code == 400
    assert field in r.json()["errors"]


def test_repeated_failures_from_one_client_are_throttled(org, client_for, settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3}
    case, password = new_case(org)
    c = client_for(None)
    for _ in range(3):
        assert track(c, case.number, "guess23456").status_code == 404
    r = track(c, case.number, password)
    assert r.status_code == 429  # even the right password, until the window is over
    assert int(r["Retry-After"]) > 0
    assert r.json()["detail"]
    # Another client is not affected.
    assert track(c, case.number, password, ip="198.51.100.9").status_code == 200


def test_a_forged_x_forwarded_for_does_not_escape_the_failure_limit(org, client_for, settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3}
    settings.CASESYS_TRUSTED_PROXIES = []
    case, password = new_case(org)
    c = client_for(None)
    for i in range(3):
        r = c.post(URL, {"number": case.number, "password": "guess23456"}, format="json",
                   REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert r.status_code == 404
    r = c.post(URL, {"number": case.number, "password": password}, format="json",
               REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert r.status_code == 429
    assert "請於" in r.json()["detail"] and int(r["Retry-After"]) > 0


def test_behind_the_load_balancer_each_citizen_has_their_own_bucket(org, client_for, settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3}
    settings.CASESYS_TRUSTED_PROXIES = ["10.0.0.5/32"]
    case, password = new_case(org)
    c = client_for(None)

    def via_proxy(xff, pw):
        return c.post(URL, {"number": case.number, "password": pw}, format="json",
                      REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=xff)

    for i in range(3):
        # The guesser varies the left-most entry; nginx appends the real address.
        assert via_proxy(f"198.18.0.{i}, 203.0.113.1", "guess23456").status_code == 404
    r = via_proxy("198.18.0.77, 203.0.113.1", password)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    # Another citizen behind the same balancer is not affected.
    assert via_proxy("203.0.113.2", password).status_code == 200


def test_successes_do_not_count_towards_the_limit(org, client_for, settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 2}
    case, password = new_case(org)
    c = client_for(None)
    for _ in range(5):
        assert track(c, case.number, password).status_code == 200


def test_track_ignores_session_and_csrf(org):
    from rest_framework.test import APIClient

    case, password = new_case(org)
    c = APIClient(enforce_csrf_checks=True)
    c.force_login(org.officer)
    assert c.post(URL, {"number": case.number, "password": password}, format="json").status_code == 200
