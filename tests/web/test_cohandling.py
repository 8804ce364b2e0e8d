"""Co-handling on the desk: the lead's case page shows every part and its reply, the
co-handler sees what it is asked in its queue, actions run from the page, errors are shown."""

from __future__ import annotations

import re

import pytest
import time_machine

from casesys.cases import services
from casesys.cases.models import State
from casesys.cohandling import services as parts
from casesys.cohandling.models import PartState
from tests.cohandling.helpers import MONDAY, co_handled
from tests.factories import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_intake_dispatches_with_co_handlers_from_the_case_page(org, client_for):
    case, _ = new_case(org)
    c = client_for(org.intake)
    page = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'name="dispatch-co_departments"' in page
    r = c.post(
        f"/desk/cases/{case.number}/actions/dispatch/",
        {"dispatch-version": case.version, "dispatch-department": org.road.pk, "dispatch-co_departments": [org.clean.pk],
         "dispatch-note": "請清潔科協助清運"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.parts.get().department == org.clean


def test_the_co_handler_sees_what_it_is_asked_in_its_queue(org, client_for):
    case, _ = co_handled(org)
    html = text(client_for(org.officer_clean).get("/desk/queue/department/").content.decode())
    assert "協辦案件 (1)" in html
    assert case.number in html and "請協助清運路面廢棄物" in html and "2026-03-11 23:59" in html
    # Not in the lead officer's list of co-handling requests.
    assert "協辦案件" not in text(client_for(org.officer).get("/desk/queue/department/").content.decode())


def test_the_lead_case_page_shows_every_part_status_and_reply_to_quote(org, client_for):
    case, _ = co_handled(org, departments=[org.clean, org.light])
    clean = case.parts.get(department=org.clean)
    parts.part_accept(part=clean, by=org.officer_clean)
    parts.part_submit_reply(part=clean, reply="本局已清運路面廢棄物。", by=org.officer_clean)
    parts.part_approve(part=clean, by=org.supervisor_epb)
    html = client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode()
    panel = text(html[html.index('id="parts"'):html.index("h-actions")])
    assert "清潔科 已完成" in panel and "路燈科 待簽收" in panel
    assert "本局已清運路面廢棄物。" in panel
    # Why the reply form is missing: the open part, named.
    assert "尚待協辦單位完成：路燈科" in text(html)
    assert 'id="action-submit_reply"' not in html


def test_the_co_handler_works_its_part_from_the_case_page(org, client_for):
    case, _ = co_handled(org)
    part = case.parts.get()
    c = client_for(org.officer_clean)
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert f'id="part-{part.pk}-action-accept"' in html
    assert 'id="action-accept"' not in html  # the case itself is not theirs
    r = c.post(f"/desk/cases/{case.number}/parts/{part.pk}/actions/accept/", {f"part{part.pk}-accept-version": part.version})
    assert r.status_code == 302 and r["Location"].endswith("#parts")
    part.refresh_from_db()
    # An empty reply is a form error, shown next to the field; nothing changes.
    r = c.post(
        f"/desk/cases/{case.number}/parts/{part.pk}/actions/submit_reply/",
        {f"part{part.pk}-submit_reply-version": part.version, f"part{part.pk}-submit_reply-reply": ""},
    )
    assert r.status_code == 400 and "errors" in r.content.decode()
    r = c.post(
        f"/desk/cases/{case.number}/parts/{part.pk}/actions/submit_reply/",
        {f"part{part.pk}-submit_reply-version": part.version, f"part{part.pk}-submit_reply-reply": "已清運。"},
    )
    part.refresh_from_db()
    assert part.state == PartState.PENDING_APPROVAL
    # The drafting officer cannot approve; the department's supervisor finds it in the inbox.
    inbox = client_for(org.supervisor_epb).get("/desk/approvals/").content.decode()
    assert f"#part-{part.pk}" in inbox and "核定協辦答復" in inbox


def test_a_stale_form_is_refused_with_a_message(org, client_for):
    case, _ = co_handled(org)
    part = case.parts.get()
    c = client_for(org.officer_clean)
    r = c.post(f"/desk/cases/{case.number}/parts/{part.pk}/actions/accept/", {f"part{part.pk}-accept-version": part.version + 5})
    assert r.status_code == 302
    part.refresh_from_db()
    assert part.state == PartState.REQUESTED
    assert "協辦已被他人更新" in c.get(f"/desk/cases/{case.number}/").content.decode()


def test_not_permitted_part_actions_are_refused(org, client_for):
    case, _ = co_handled(org)
    part = case.parts.get()
    c = client_for(org.officer)
    r = c.post(f"/desk/cases/{case.number}/parts/{part.pk}/actions/accept/", {f"part{part.pk}-accept-version": part.version})
    assert r.status_code == 302
    part.refresh_from_db()
    assert part.state == PartState.REQUESTED
    assert "您沒有執行此動作的權限" in c.get(f"/desk/cases/{case.number}/").content.decode()
    # Outside the case's scope: 404.
    r = client_for(org.officer_light).post(f"/desk/cases/{case.number}/parts/{part.pk}/actions/accept/", {})
    assert r.status_code == 404


def test_the_leads_supervisor_adds_a_co_handler_later_and_decides_a_return(org, client_for):
    case, _ = co_handled(org)
    c = client_for(org.supervisor)
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="parts-add"' in html
    r = c.post(f"/desk/cases/{case.number}/parts/add/", {"departments": [], "request_note": ""})
    assert r.status_code == 400
    r = c.post(f"/desk/cases/{case.number}/parts/add/", {"departments": [org.light.pk], "request_note": "請檢查路燈"})
    assert r.status_code == 302
    light = case.parts.get(department=org.light)
    parts.part_return_to_lead(part=light, reason="路燈正常，非本科業管", by=org.officer_light)
    inbox = text(client_for(org.supervisor).get("/desk/approvals/").content.decode())
    assert "退回主辦待決定：路燈正常，非本科業管" in inbox
    light.refresh_from_db()
    r = c.post(
        f"/desk/cases/{case.number}/parts/{light.pk}/actions/decide_return/",
        {f"part{light.pk}-decide_return-version": light.version, f"part{light.pk}-decide_return-decision": "release"},
    )
    assert r.status_code == 302
    light.refresh_from_db()
    assert light.state == PartState.RELEASED


def test_the_staff_timeline_labels_co_handling_events(org, client_for):
    case, _ = co_handled(org)
    html = text(client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode())
    assert "加入協辦單位" in html and "多單位協辦期限" in html


def test_the_citizen_sees_one_case_with_co_handling_but_no_staff(org, client):
    case, password = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    parts.part_submit_reply(part=part, reply="協辦內部答復草稿", by=org.officer_clean)
    parts.part_approve(part=part, by=org.supervisor_epb)
    services.case_submit_reply(case=case, reply="綜合答復：路面已修復並清運。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    r = client.post("/status/", {"number": case.number, "password": password}, follow=True)
    page = text(r.content.decode())
    assert "會同 清潔科 協同辦理" in page and "清潔科 已完成協辦" in page
    assert "綜合答復：路面已修復並清運。" in page
    assert "協辦內部答復草稿" not in page  # the part reply is internal; the citizen gets one reply
    for user in (org.officer, org.officer_clean, org.supervisor_epb, org.supervisor):
        assert user.username not in page and (not user.first_name or user.first_name not in page)
