from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.api import views
from casesys.cases import services
from casesys.cases.models import Case, CaseEvent, ExtensionRequest
from casesys.cases.selectors import case_get_visible
from tests.api.conftest import case_at, cases_url
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def post(client, case, name, data=None):
    return client.post(cases_url(case.number, "transitions", name), data or {}, format="json")


def ok(response, state: str) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == state
    return body


def test_full_happy_path_through_the_api(org, client_for):
    case, _ = new_case(org)
    ok(post(client_for("intake"), case, "dispatch", {"department": "PWD-ROAD", "note": "道路問題"}), "dispatched")
    body = ok(post(client_for("officer"), case, "accept"), "in_progress")
    assert body["assignee"] == "officer"
    ok(post(client_for("officer"), case, "submit_reply", {"reply": "已派員修復。"}), "pending_approval")
    ok(post(client_for("supervisor"), case, "return_reply", {"comment": "請補充法令依據"}), "in_progress")
    ok(post(client_for("officer"), case, "submit_reply", {"reply": "依道路法規定已修復。"}), "pending_approval")
    body = ok(post(client_for("supervisor"), case, "approve", {"note": "同意"}), "closed")
    assert body["reply"] == "依道路法規定已修復。"
    assert body["available_transitions"] == ["reopen"]
    ok(post(client_for("supervisor"), case, "reopen", {"reason": "民眾表示仍未修復"}), "in_progress")
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [
        "created", "dispatched", "accepted", "reply_submitted", "reply_returned",
        "reply_submitted", "closed", "reopened",
    ]


def test_assign_by_username(org, client_for):
    case = case_at(org, "dispatched")
    body = ok(post(client_for("supervisor"), case, "assign", {"assignee": "officer", "note": "請處理"}), "in_progress")
    assert body["assignee"] == "officer"


def test_assign_unknown_or_unsuitable_user_is_400(org, client_for):
    case = case_at(org, "dispatched")
    r = post(client_for("supervisor"), case, "assign", {"assignee": "ghost"})
    assert r.status_code == 400 and "assignee" in r.json()["errors"]
    r = post(client_for("supervisor"), case, "assign", {"assignee": "officer_clean"})
    assert r.status_code == 400 and "assignee" in r.json()["errors"]


def test_dispatch_unknown_department_is_400(org, client_for):
    case, _ = new_case(org)
    r = post(client_for("intake"), case, "dispatch", {"department": "NOPE"})
    assert r.status_code == 400
    assert "department" in r.json()["errors"]
    assert Case.objects.get(pk=case.pk).state == "received"


def test_return_to_intake(org, client_for):
    case = case_at(org, "in_progress")
    body = ok(post(client_for("officer"), case, "return_to_intake", {"reason": "非本科業務"}), "received")
    assert body["department"] is None


def test_transfer(org, client_for):
    case, _ = new_case(org)
    body = ok(post(client_for("intake"), case, "transfer", {"agency": "交通部公路局", "reason": "非本府權責"}), "transferred")
    assert body["transferred_to"] == "交通部公路局"


def test_file_for_no_content_and_as_repeat(org, client_for):
    case, _ = new_case(org)
    ok(post(client_for("intake"), case, "file", {"reason_code": "no_content"}), "filed")
    earlier = case_at(org, "closed")
    repeat, _ = new_case(org)
    body = ok(post(client_for("admin"), repeat, "file", {"reason_code": "repeat", "repeat_of": earlier.number}), "filed")
    assert body["repeat_of"] == earlier.number
    assert earlier.number in body["reply"]


def test_file_validation(org, client_for):
    case, _ = new_case(org)
    c = client_for("intake")
    r = post(c, case, "file", {"reason_code": "because"})
    assert r.status_code == 400 and "reason_code" in r.json()["errors"]
    r = post(c, case, "file", {"reason_code": "repeat"})
    assert r.status_code == 400 and "repeat_of" in r.json()["errors"]
    # A referenced case the caller cannot see reads as "not found".
    hidden = case_at(org, "closed")
    r = post(c, case, "file", {"reason_code": "repeat", "repeat_of": hidden.number})
    assert r.status_code == 400 and "repeat_of" in r.json()["errors"]
    assert Case.objects.get(pk=case.pk).state == "received"


def test_merge(org, client_for):
    case, _ = new_case(org)
    into, _ = new_case(org)
    body = ok(post(client_for("intake"), case, "merge", {"into": into.number, "note": "同一事件"}), "merged")
    assert body["merged_into"] == into.number


def test_merge_into_invisible_or_itself_is_400(org, client_for):
    case, _ = new_case(org)
    invisible = case_at(org, "in_progress")
    r = post(client_for("intake"), case, "merge", {"into": invisible.number})
    assert r.status_code == 400 and "into" in r.json()["errors"]
    r = post(client_for("intake"), case, "merge", {"into": case.number})
    assert r.status_code == 400 and "into" in r.json()["errors"]


def test_extension_request_and_decision(org, client_for):
    case = case_at(org, "in_progress")
    old_due = case.due_at
    body = ok(post(client_for("officer"), case, "request_extension", {"days": 2, "reason": "需會勘", "status_text": "已派員勘查"}), "in_progress")
    assert body["extensions"][0]["status"] == "pending"
    assert "decide_extension" not in body["available_transitions"]
    assert "decide_extension" in client_for("supervisor").get(cases_url(case.number)).json()["available_transitions"]
    # A second request while one is pending: not allowed now.
    r = post(client_for("officer"), case, "request_extension", {"days": 1, "reason": "再延", "status_text": "同上"})
    assert r.status_code == 409
    body = ok(post(client_for("supervisor"), case, "decide_extension", {"approve": True, "note": "同意"}), "in_progress")
    assert body["extension_days"] == 2
    assert dt.datetime.fromisoformat(body["due_at"]) > old_due
    assert ExtensionRequest.objects.get(case=case).status == "approved"


def test_extension_validation(org, client_for):
    case = case_at(org, "in_progress")
    c = client_for("officer")
    for data, field in [
        ({"days": 0, "reason": "x", "status_text": "x"}, "days"),
        ({"days": "two", "reason": "x", "status_text": "x"}, "days"),
        ({"days": 2, "status_text": "x"}, "reason"),
        ({"days": 2, "reason": "需會勘"}, "status_text"),
        ({"days": 2, "reason": "需會勘", "status_text": "   "}, "status_text"),
        ({"days": 40, "reason": "太久", "status_text": "x"}, "days"),  # beyond the 30-calendar-day cap
    ]:
        r = post(c, case, "request_extension", data)
        assert r.status_code == 400, (data, r.content)
        assert field in r.json()["errors"]
    post(c, case, "request_extension", {"days": 1, "reason": "需會勘", "status_text": "已派員勘查"})
    r = post(client_for("supervisor"), case, "decide_extension", {"note": "?"})
    assert r.status_code == 400 and "approve" in r.json()["errors"]
    r = post(client_for("supervisor"), case, "decide_extension", {"approve": False})
    assert r.status_code == 400 and "note" in r.json()["errors"]
    ok(post(client_for("supervisor"), case, "decide_extension", {"approve": False, "note": "理由不足"}), "in_progress")


def test_decide_without_pending_extension_is_409(org, client_for):
    case = case_at(org, "in_progress")
    assert post(client_for("supervisor"), case, "decide_extension", {"approve": True}).status_code == 409


@pytest.mark.parametrize(
    "name, data, field",
    [
        ("submit_reply", {}, "reply"),
        ("submit_reply", {"reply": "   "}, "reply"),
        ("return_to_intake", {"reason": ""}, "reason"),
        ("transfer", {"reason": "非本府權責"}, "agency"),
    ],
)
def test_missing_transition_fields_are_400(org, client_for, name, data, field):
    case = case_at(org, "in_progress")
    r = post(client_for("supervisor"), case, name, data)
    assert r.status_code == 400
    assert field in r.json()["errors"]
    assert Case.objects.get(pk=case.pk).state == "in_progress"


def test_not_permitted_for_caller_is_403(org, client_for):
    case = case_at(org, "pending_approval")
    r = post(client_for("officer"), case, "approve")
    assert r.status_code == 403
    assert r.json()["detail"]


def test_not_allowed_from_current_state_is_409(org, client_for):
    case = case_at(org, "closed")
    r = post(client_for("supervisor"), case, "approve")
    assert r.status_code == 409
    assert r.json()["detail"]


def test_reopen_outside_window_is_409(org, client_for):
    case = case_at(org, "closed")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=90))
    assert post(client_for("supervisor"), case, "reopen", {"reason": "逾期"}).status_code == 409


def test_unknown_transition_name_is_404(org, client_for):
    case = case_at(org, "in_progress")
    r = post(client_for("admin"), case, "explode")
    assert r.status_code == 404
    assert r.json()["detail"]


def test_transition_on_out_of_scope_case_is_404(org, client_for):
    case = case_at(org, "in_progress")
    r = post(client_for("officer_light"), case, "submit_reply", {"reply": "x"})
    assert r.status_code == 404


def test_lost_concurrent_race_is_409(org, client_for, monkeypatch):
    case = case_at(org, "dispatched")
    stale = case_get_visible(user=org.supervisor, number=case.number)
    # Someone else accepts the case between our read and our write.
    services.case_accept(case=Case.objects.get(pk=case.pk), by=org.officer)
    monkeypatch.setattr(views, "case_get_visible", lambda **kw: stale)
    r = post(client_for("supervisor"), case, "assign", {"assignee": "officer"})
    assert r.status_code == 409
    assert r.json()["detail"]
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_officer_who_returns_a_case_still_gets_its_new_state(org, client_for):
    case = case_at(org, "dispatched")
    body = ok(post(client_for("officer"), case, "return_to_intake", {"reason": "非本科"}), "received")
    assert body["number"] == case.number


# --- issue 13: extensions, four eyes, reopening --------------------------------------------

TPE = dt.timezone(dt.timedelta(hours=8))
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE)


def test_extension_requested_after_the_deadline_is_409_with_the_reason(org, client_for, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = case_at(org, "in_progress")
    assert "request_extension" in client_for("officer").get(cases_url(case.number)).json()["available_transitions"]
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TPE), tick=False)
    c = client_for("officer")
    assert "request_extension" not in c.get(cases_url(case.number)).json()["available_transitions"]
    r = post(c, case, "request_extension", {"days": 2, "reason": "需會勘", "status_text": "已派員"})
    assert r.status_code == 409
    assert "逾處理期限" in r.json()["detail"] and "only be requested before it is due" in r.json()["detail"]


def test_reply_while_an_extension_is_pending_is_409_saying_why(org, client_for):
    case = case_at(org, "in_progress")
    c = client_for("officer")
    body = ok(post(c, case, "request_extension", {"days": 2, "reason": "需會勘", "status_text": "已派員勘查"}), "in_progress")
    assert body["extensions"][0]["status_text"] == "已派員勘查"
    assert "submit_reply" not in body["available_transitions"]
    r = post(c, case, "submit_reply", {"reply": "已完成。"})
    assert r.status_code == 409
    assert r.json()["detail"].startswith("展延申請待核中") and "extension request is pending" in r.json()["detail"]


def test_late_extension_decision_keeps_the_case_late_in_the_api(org, client_for, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = case_at(org, "in_progress")
    old_due = case.due_at
    post(client_for("officer"), case, "request_extension", {"days": 3, "reason": "需會勘", "status_text": "已派員"})
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TPE), tick=False)
    body = ok(post(client_for("supervisor"), case, "decide_extension", {"approve": True, "note": "同意"}), "in_progress")
    assert dt.datetime.fromisoformat(body["missed_due_at"]) == old_due
    ok(post(client_for("officer"), case, "submit_reply", {"reply": "已完成。"}), "pending_approval")
    body = ok(post(client_for("supervisor"), case, "approve"), "closed")
    assert body["on_time"] is False
    assert [(c["round"], c["state"], c["on_time"]) for c in body["closures"]] == [(1, "closed", False)]


def test_closed_case_never_shows_a_pending_extension(org, client_for):
    case = case_at(org, "in_progress")
    post(client_for("officer"), case, "request_extension", {"days": 2, "reason": "需會勘", "status_text": "已派員"})
    body = ok(post(client_for("supervisor"), case, "transfer", {"agency": "交通部公路局", "reason": "省道"}), "transferred")
    assert [e["status"] for e in body["extensions"]] == ["withdrawn"]
    assert "extension_withdrawn" in [e["kind"] for e in body["timeline"]]


def test_approving_ones_own_reply_is_403_with_the_four_eyes_message(org, client_for):
    case = case_at(org, "in_progress")
    c = client_for("supervisor")
    ok(post(c, case, "submit_reply", {"reply": "主管自行擬辦的答復。"}), "pending_approval")
    body = c.get(cases_url(case.number)).json()
    assert "approve" not in body["available_transitions"]
    r = post(c, case, "approve")
    assert r.status_code == 403
    assert r.json()["detail"] == "不可核定自己擬辦的答復 / You cannot approve your own reply."
    # An administrator is another pair of eyes.
    ok(post(client_for("admin"), case, "approve"), "closed")


def test_deciding_ones_own_extension_is_403(org, client_for):
    case = case_at(org, "dispatched")
    ok(post(client_for("supervisor"), case, "assign", {"assignee": "supervisor"}), "in_progress")
    c = client_for("supervisor")
    ok(post(c, case, "request_extension", {"days": 2, "reason": "需會勘", "status_text": "已派員"}), "in_progress")
    assert "decide_extension" not in c.get(cases_url(case.number)).json()["available_transitions"]
    r = post(c, case, "decide_extension", {"approve": True, "note": "同意"})
    assert r.status_code == 403 and "自己申請的展延" in r.json()["detail"]


def test_reopened_case_detail_shows_a_fresh_deadline_and_the_closure_history(org, client_for, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = case_at(org, "closed")
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TPE), tick=False)
    body = ok(post(client_for("supervisor"), case, "reopen", {"reason": "民眾表示仍未修復"}), "in_progress")
    assert dt.datetime.fromisoformat(body["due_at"]) == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=TPE)
    assert body["reopen_count"] == 1 and body["on_time"] is None and body["missed_due_at"] is None
    [first] = body["closures"]
    assert first["round"] == 1 and first["on_time"] is True
    assert dt.datetime.fromisoformat(first["reopened_at"]) == dt.datetime(2026, 12, 7, 10, 0, tzinfo=TPE)
