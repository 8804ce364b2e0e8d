"""Follow-ups (回訪): a dissatisfied survey answer opens one in the supervisors' inbox; a
call-back or a second reply closes it, and both are on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.exceptions import TransitionNotPermittedNow, TransitionPermissionDenied
from casesys.cases.followups import follow_up_record_callback, follow_up_send_second_reply
from casesys.cases.models import CaseEvent, FollowUp
from casesys.notifications.models import Notification
from casesys.web.services import case_survey_submit
from casesys.workcal.calendar import TAIPEI, end_of_day
from tests.factories import new_case

pytestmark = pytest.mark.django_db

# A Friday morning: three working days later is the next Wednesday.
FRIDAY = dt.datetime(2026, 3, 6, 10, 0, tzinfo=TAIPEI)


def closed_case(org, **kwargs):
    case, password = new_case(org, category=org.pothole, **kwargs)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="已修補完成。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    return case, password


def dissatisfied_case(org, score=2, **kwargs):
    case, password = closed_case(org, **kwargs)
    case_survey_submit(case=case, score=score, comment="修得很草率")
    return case, password, FollowUp.objects.get(case=case)


def status_page(case, password) -> str:
    citizen = Client()
    resp = citizen.post("/status/", {"number": case.number, "password": password})
    assert resp.status_code == 302, resp.content
    return citizen.get(f"/status/{case.number}/").content.decode()



@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def test_dissatisfied_answer_opens_a_follow_up_due_in_three_working_days_in_the_supervisors_inbox(org, client_for, friday):
    case, _, follow_up = dissatisfied_case(org, score=2)

    assert (follow_up.status, follow_up.score, follow_up.department) == ("open", 2, org.road)
    assert follow_up.due_at == end_of_day(dt.date(2026, 3, 11))
    html = client_for(org.supervisor).get("/desk/follow-ups/").content.decode()
    assert case.number in html and "2026-03-11 23:59" in html and "2/5" in html
    assert "tag-overdue" not in html
    # Another department's supervisor and an officer do not have it.
    assert case.number not in client_for(org.supervisor_epb).get("/desk/follow-ups/").content.decode()
    assert client_for(org.officer).get("/desk/follow-ups/").status_code == 403


def test_follow_up_and_survey_answer_commit_together_with_an_internal_timeline_event(org, friday):
    case, _, follow_up = dissatisfied_case(org)
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.FOLLOW_UP_OPENED)
    assert event.public is False and event.note == "2/5"
    case.refresh_from_db()
    assert case.callback_required is True


def test_satisfied_answer_opens_no_follow_up(org, friday):
    case, _ = closed_case(org)
    case_survey_submit(case=case, score=3)
    assert not FollowUp.objects.filter(case=case).exists()


def test_the_threshold_is_a_setting(org, settings, friday):
    settings.CASESYS = {**settings.CASESYS, "SURVEY_DISSATISFIED_MAX": 3, "FOLLOW_UP_WORKING_DAYS": 1}
    case, _, follow_up = dissatisfied_case(org, score=3)
    assert follow_up.due_at == end_of_day(dt.date(2026, 3, 9))  # Monday


def test_department_supervisors_get_a_notice_with_score_and_due_date(org, friday):
    case, _, _ = dissatisfied_case(org, score=1)
    row = Notification.objects.get(case=case, template="staff_follow_up_opened")
    assert row.recipient_user == org.supervisor and row.channel == "inapp" and row.office_hours_only
    assert f"不滿意案件待回訪：{case.number}" in row.subject
    assert "回覆 1 分" in row.body and "2026-03-11 23:59" in row.body
    assert "rated case" not in row.body  # the reader's language only (Chinese by default)
    assert "/desk/follow-ups/" in row.body
    # No notice anywhere else (not the officer, not another department).
    assert not Notification.objects.filter(case=case, template="staff_follow_up_opened").exclude(pk=row.pk).exists()


def test_inbox_sorts_by_due_date_and_flags_overdue_follow_ups(org, client_for, friday):
    first, _, _ = dissatisfied_case(org)
    friday.move_to(FRIDAY + dt.timedelta(days=3))  # Monday
    second, _, _ = dissatisfied_case(org)
    friday.move_to(dt.datetime(2026, 3, 12, 9, 0, tzinfo=TAIPEI))  # the first is now overdue

    html = client_for(org.supervisor).get("/desk/follow-ups/").content.decode()
    table = html[html.index('id="follow-ups-open"'):]
    assert table.index(first.number) < table.index(second.number)
    first_row = table[table.index(first.number):table.index(second.number)]
    second_row = table[table.index(second.number):]
    assert "tag-overdue" in first_row
    assert "tag-overdue" not in second_row.split("</tr>")[0]


def test_call_back_closes_the_follow_up_and_shows_on_the_case_page(org, client_for, friday):
    case, _, follow_up = dissatisfied_case(org)
    c = client_for(org.supervisor)
    page = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert "記錄電話回訪" in page and "再次答復陳情人" in page

    resp = c.post(f"/desk/cases/{case.number}/follow-ups/{follow_up.pk}/callback/", {f"fu{follow_up.pk}-callback-note": ""})
    assert resp.status_code == 400 and f'id="id_fu{follow_up.pk}-callback-note_error"' in resp.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == "open"

    resp = c.post(
        f"/desk/cases/{case.number}/follow-ups/{follow_up.pk}/callback/",
        {f"fu{follow_up.pk}-callback-note": "已致電陳情人說明補強施工時程，陳情人表示理解。"},
    )
    assert resp.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.method, follow_up.closed_by) == ("done", "callback", org.supervisor)
    page = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert "回訪：已電話聯繫" in page and "已致電陳情人說明補強施工時程" in page
    assert "記錄電話回訪" not in page  # nothing left to do
    assert case.number not in c.get("/desk/follow-ups/").content.decode().split("最近辦結")[0]
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.FOLLOW_UP_CALLBACK)
    assert event.actor == org.supervisor and event.public is False


def test_second_reply_reaches_the_petitioner_and_their_status_page(org, client_for, friday):
    case, password, follow_up = dissatisfied_case(org)
    reply = "經再次派員會勘，已於今日重新鋪設路面，造成不便敬請見諒。"
    resp = client_for(org.supervisor).post(
        f"/desk/cases/{case.number}/follow-ups/{follow_up.pk}/second-reply/", {f"fu{follow_up.pk}-second-reply-reply": reply}
    )
    assert resp.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.method, follow_up.note) == ("done", "second_reply", reply)

    notice = Notification.objects.get(case=case, template="case_second_reply")
    assert (notice.channel, notice.recipient_address) == ("email", "citizen@example.invalid")
    assert reply in notice.body and case.number in notice.subject

    html = status_page(case, password)
    assert reply in html
    assert "機關已再次答復" in html
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.SECOND_REPLY)
    assert event.public and event.actor == org.supervisor


def test_only_supervisors_of_the_subtree_and_admins_close_follow_ups(org, friday):
    _, _, follow_up = dissatisfied_case(org)
    for outsider in (org.officer, org.supervisor_epb, org.analyst):
        with pytest.raises(TransitionPermissionDenied):
            follow_up_record_callback(follow_up=follow_up, note="已回電", by=outsider)
    follow_up_send_second_reply(follow_up=follow_up, reply="再次說明", by=org.admin)
    follow_up.refresh_from_db()
    assert follow_up.closed_by == org.admin


def test_closing_needs_text_and_happens_once(org, friday):
    _, _, follow_up = dissatisfied_case(org)
    with pytest.raises(ValidationError) as exc:
        follow_up_record_callback(follow_up=follow_up, note="  ", by=org.supervisor)
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        follow_up_send_second_reply(follow_up=follow_up, reply="", by=org.supervisor)
    assert "reply" in exc.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.status == "open"

    follow_up_record_callback(follow_up=follow_up, note="已回電", by=org.supervisor)
    with pytest.raises(TransitionNotPermittedNow):
        follow_up_send_second_reply(follow_up=follow_up, reply="再次說明", by=org.supervisor)
    assert not Notification.objects.filter(template="case_second_reply").exists()
