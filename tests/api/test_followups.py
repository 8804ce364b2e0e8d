"""Follow-ups (回訪) through the API: the list, and closing one by call-back or second reply."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casesys.cases import services
from casesys.cases.followups import follow_up_send_second_reply
from casesys.cases.models import FollowUp
from casesys.notifications.models import Notification
from casesys.web.services import case_survey_submit
from casesys.workcal.calendar import TAIPEI
from tests.api.conftest import case_at, cases_url
from tests.factories import new_case

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TAIPEI)


@pytest.fixture
def follow_up(org):
    with time_machine.travel(MONDAY, tick=False):
        case = case_at(org, "closed")
        case_survey_submit(case=case, score=1, comment="沒有改善")
        yield FollowUp.objects.get(case=case)


def test_supervisor_lists_open_follow_ups_with_due_date_and_overdue_flag(org, client_for, follow_up):
    with time_machine.travel(MONDAY, tick=False):
        body = client_for("supervisor").get("/api/v1/follow-ups/").json()
    assert [(r["case"], r["score"], r["status"], r["overdue"]) for r in body] == [(follow_up.case.number, 1, "open", False)]
    assert body[0]["due_at"].startswith("2026-03-05T23:59:59")
    with time_machine.travel(MONDAY + dt.timedelta(days=4), tick=False):
        assert client_for("supervisor").get("/api/v1/follow-ups/").json()[0]["overdue"] is True
    assert client_for("supervisor_epb").get("/api/v1/follow-ups/").json() == []
    assert client_for("officer").get("/api/v1/follow-ups/").status_code == 403
    assert client_for("supervisor").get("/api/v1/follow-ups/?status=bogus").status_code == 400


def test_second_reply_by_api_closes_it_and_notifies_the_petitioner(org, client_for, follow_up):
    url = cases_url(follow_up.case.number, "follow-ups", str(follow_up.pk), "second-reply")
    assert client_for("supervisor").post(url, {"reply": ""}, format="json").status_code == 400
    assert client_for("officer").post(url, {"reply": "再次說明"}, format="json").status_code == 403
    r = client_for("supervisor").post(url, {"reply": "已重新施工完成"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["method"], r.json()["closed_by"]) == ("done", "second_reply", "supervisor")
    assert "已重新施工完成" in Notification.objects.get(template="case_second_reply").body
    # Closed once: a second attempt is a conflict.
    again = client_for("supervisor").post(
        cases_url(follow_up.case.number, "follow-ups", str(follow_up.pk), "callback"), {"note": "已回電"}, format="json"
    )
    assert again.status_code == 409
    detail = client_for("supervisor").get(cases_url(follow_up.case.number)).json()
    assert [e["kind"] for e in detail["timeline"]][-1] == "second_reply"


def test_follow_up_of_an_invisible_case_is_404(org, client_for, follow_up):
    url = cases_url(follow_up.case.number, "follow-ups", str(follow_up.pk), "callback")
    assert client_for("supervisor_epb").post(url, {"note": "x"}, format="json").status_code == 404
    wrong = cases_url(follow_up.case.number, "follow-ups", str(follow_up.pk + 999), "callback")
    assert client_for("supervisor").post(wrong, {"note": "x"}, format="json").status_code == 404


def test_track_shows_the_second_reply_to_the_petitioner(org, client_for):
    with time_machine.travel(MONDAY, tick=False):
        case, password = new_case(org, category=org.pothole)
        services.case_accept(case=case, by=org.officer)
        services.case_submit_reply(case=case, reply="已修復。", by=org.officer)
        services.case_approve(case=case, by=org.supervisor)
        case_survey_submit(case=case, score=2)
        follow_up_send_second_reply(follow_up=FollowUp.objects.get(case=case), reply="已再次派員確認", by=org.supervisor)
        body = client_for(None).post("/api/v1/track/", {"number": case.number, "password": password}, format="json").json()
    assert [r["text"] for r in body["second_replies"]] == ["已再次派員確認"]
    assert body["timeline"][-1]["text"] == "機關已再次答復 / A second reply was sent"
