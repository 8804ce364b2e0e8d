"""Officers and supervisors are told at each stage that concerns them (in-app in office
hours, with an e-mail copy): a case dispatched to the department (its supervisors), assigned
to them, a reply returned for revision, an extension decided."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import CaseEvent
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_deliver, notifications_deliver_due
from casesys.notifications.staff_receivers import on_case_event_for_staff
from casesys.org.models import Role
from casesys.workcal.calendar import TAIPEI
from tests.factories import make_staff, new_case

pytestmark = pytest.mark.django_db

# A Wednesday in office hours, and the same evening.
OFFICE = dt.datetime(2026, 3, 4, 10, 0, tzinfo=TAIPEI)
EVENING = dt.datetime(2026, 3, 4, 20, 0, tzinfo=TAIPEI)


@pytest.fixture
def office():
    with time_machine.travel(OFFICE, tick=False) as traveller:
        yield traveller


def staff_rows(template, **filters):
    return Notification.objects.filter(template=template, channel="inapp", **filters)


def inbox_text(user, language: str = "zh-hant") -> str:
    """What the user sees on their notifications page once the notices were delivered (in
    the reader's language only)."""
    notifications_deliver_due(now=OFFICE)
    c = Client()
    c.force_login(user)
    if language == "en":
        c.post("/i18n/setlang/", {"language": "en", "next": "/desk/notifications/"})
    return c.get("/desk/notifications/").content.decode()


def test_case_dispatched_to_a_department_tells_its_supervisors_not_every_officer(org, office):
    case, _ = new_case(org, category=org.pothole, subject="中正路坑洞")  # routed to 道路養護科 by category

    rows = staff_rows("staff_case_dispatched", case=case)
    assert [r.recipient_user for r in rows] == [org.supervisor]  # nearest supervisors: 工務局
    html = inbox_text(org.supervisor)
    assert f"新分文案件：{case.number}" in html
    assert "已分文至道路養護科，請指派承辦人" in html and "中正路坑洞" in html
    assert "has been dispatched to" not in html
    assert "has been dispatched to 道路養護科" in inbox_text(org.supervisor, "en")
    assert not Notification.objects.filter(template="staff_case_dispatched", recipient_user=org.officer).exists()


def test_a_supervisor_of_the_department_itself_is_preferred_over_the_one_above(org, office):
    section_head = make_staff("road_head", org.road, [Role.SUPERVISOR])
    case, _ = new_case(org, category=org.pothole)
    assert [r.recipient_user for r in staff_rows("staff_case_dispatched", case=case)] == [section_head]


def test_assignment_by_a_supervisor_tells_the_officer_but_accepting_yourself_does_not(org, office):
    org.officer.email = "officer@example.invalid"
    org.officer.save()
    assigned, _ = new_case(org, category=org.pothole, subject="指派的坑洞")
    services.case_assign(case=assigned, assignee=org.officer, by=org.supervisor, note="請今日到場")
    row = staff_rows("staff_case_assigned", case=assigned).get()
    assert row.recipient_user == org.officer
    html = inbox_text(org.officer)
    assert f"指派案件：{assigned.number}" in html
    assert f"{org.supervisor.first_name} 已將案件 {assigned.number}「指派的坑洞」指派由您承辦" in html
    assert "請今日到場" in html
    # The e-mail copy follows the in-app message.
    notifications_deliver_due(now=OFFICE)
    copies = [m for m in mail.outbox if m.to == ["officer@example.invalid"]]
    assert len(copies) == 1 and f"指派案件：{assigned.number}" in copies[0].subject

    accepted, _ = new_case(org, category=org.pothole)
    services.case_accept(case=accepted, by=org.officer)
    assert not staff_rows("staff_case_assigned", case=accepted).exists()

    self_assigned, _ = new_case(org, category=org.pothole)
    services.case_assign(case=self_assigned, assignee=org.supervisor, by=org.supervisor)
    assert not staff_rows("staff_case_assigned", case=self_assigned).exists()


def test_returned_reply_tells_the_drafter_with_the_supervisors_comment(org, office):
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="已處理。", by=org.officer)
    services.case_return_reply(case=case, comment="請寫明修補日期與施工單位", by=org.supervisor)

    row = staff_rows("staff_reply_returned", case=case).get()
    assert row.recipient_user == org.officer
    html = inbox_text(org.officer)
    assert f"答復退回修正：{case.number}" in html
    assert "修正意見：請寫明修補日期與施工單位" in html and "Comment: " not in html
    assert "Comment: 請寫明修補日期與施工單位" in inbox_text(org.officer, "en")


@pytest.mark.parametrize("approve", [True, False])
def test_extension_decision_tells_the_requester_with_the_note(org, office, approve):
    case, _ = new_case(org)  # 首長信箱, 6 working days, dispatched by hand
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_request_extension(
        case=case, days=3, reason="需會同管線單位", status_text="已會勘，待管線單位排程", by=org.officer
    )
    note = "同意，請掌握進度" if approve else "期限內應可完成"
    services.case_decide_extension(case=case, approve=approve, note=note, by=org.supervisor)

    row = staff_rows("staff_extension_decided", case=case).get()
    assert row.recipient_user == org.officer
    html = inbox_text(org.officer)
    if approve:
        case.refresh_from_db()
        assert f"展延申請已核准：{case.number}" in html and "新處理期限：" in html
        assert f"{case.due_at.astimezone(TAIPEI):%Y-%m-%d %H:%M}" in html
    else:
        assert f"展延申請遭駁回：{case.number}" in html and "予以駁回，處理期限不變" in html
    assert f"核定意見：{note}" in html


def test_each_event_is_announced_once_even_if_the_receiver_runs_again(org, office):
    case, _ = new_case(org, category=org.pothole)
    services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.ASSIGNED)
    on_case_event_for_staff(sender=None, case=case, event=event, context={})
    assert staff_rows("staff_case_assigned", case=case).count() == 1


def test_notices_wait_for_office_hours(org):
    with time_machine.travel(EVENING, tick=False):
        case, _ = new_case(org, category=org.pothole)
        services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
        row = staff_rows("staff_case_assigned", case=case).get()
        assert notification_deliver(notification_id=row.pk, now=EVENING) == "skipped"
    assert row.next_attempt_at == dt.datetime(2026, 3, 5, 8, 30, tzinfo=TAIPEI)
