"""An incident in a real browser: intake registers reports of one burst water main, opens
an incident from the first, is offered it while typing the second and links it as it
registers, links the third in one click after registering; the officer drafts one reply,
the supervisor approves it and every case closes; every citizen reads their own reply."""

from __future__ import annotations

import re

import pytest

from casesys.cases.models import Case, State
from casesys.incidents.models import Incident
from casesys.notifications.models import Notification
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = ("25.047800", "121.517000")
NEAR = [("25.048300", "121.517400"), ("25.047300", "121.516500")]  # 50–70 m away
REPLY = "您好，案號 {number} 反映之中山南路自來水管破裂已於今日搶修完成，路面已恢復通行。"


def register(page, base, org, *, subject: str, email: str, lat: str, lng: str, pick_incident: int | None = None):
    page.goto(f"{base}/desk/intake/new/")
    page.fill("#id_subject", subject)
    page.fill("#id_description", f"{subject}，路面積水，車輛無法通行。")
    page.select_option("#id_category", str(org.pothole.pk))
    page.fill("#id_name", "陳先生")
    page.fill("#id_phone", "0912345678")
    page.fill("#id_email", email)
    page.fill("#id_lat", lat)
    page.fill("#id_lng", lng)
    page.press("#id_lng", "Tab")  # leaving the field: the suggestion list is fetched
    page.wait_for_load_state("networkidle")
    if pick_incident is not None:
        # The suggestion arrives while typing (htmx), as a choice inside the form.
        choice = page.locator(f"#incident-suggestions input[value='{pick_incident}']")
        choice.wait_for()
        assert "中山南路水管破裂" in page.inner_text("#incident-suggestions")
        choice.check()
        # Changing a field fetches the list again: the choice survives it.
        with page.expect_response(lambda r: "/desk/incidents/suggest/" in r.url):
            page.type("#id_subject", "!")
        page.wait_for_load_state("networkidle")
        assert page.is_checked(f"#incident-suggestions input[value='{pick_incident}']")
    page.click("#intake-form button[type=submit]")
    text = page.inner_text(".messages")
    m = re.search(r"已登錄 (CS-\d{7}-\d{5})，查詢密碼 (\S+?)（", text)
    assert m, text
    return m.group(1), m.group(2)


def test_an_incident_from_intake_to_every_citizens_reply(live_server, org, new_page, problems):
    base = live_server.url
    desk = new_page()
    login(desk, base, "intake")

    # --- the first report opens the incident ----------------------------------------------
    first = register(desk, base, org, subject="中山南路水管破裂", email="one@example.invalid", lat=HERE[0], lng=HERE[1])
    desk.click(f"a:text-is('{first[0]}')")
    desk.click("#incident-new summary")
    desk.fill("#id_incident-title", "中山南路水管破裂")
    desk.fill("#id_incident-public_description", "自來水管線破裂，已派員搶修。")
    desk.click("#incident-new button[type=submit]")
    assert "中山南路水管破裂" in desk.inner_text("#incident-title")
    incident = Incident.objects.get()

    # --- the second is offered the incident while intake types, and linked on registering --
    second = register(desk, base, org, subject="中山路水管破裂淹水", email="two@example.invalid",
                      lat=NEAR[0][0], lng=NEAR[0][1], pick_incident=incident.pk)
    assert "已併入事件" in desk.inner_text(".messages")

    # --- the third is linked in one click after registering ---------------------------------
    third = register(desk, base, org, subject="水管破裂路面淹水", email="three@example.invalid", lat=NEAR[1][0], lng=NEAR[1][1])
    desk.click(f"#last-suggestion-{incident.pk} button")
    assert "已併入事件" in desk.inner_text(".messages")

    numbers = [first[0], second[0], third[0]]
    desk.goto(f"{base}/desk/incidents/")
    row = desk.locator("#incidents tr", has=desk.locator("a", has_text="中山南路水管破裂"))
    assert row.locator("td.num").all_inner_texts() == ["3", "3"]

    # --- the officer drafts one reply; the supervisor approves it and closes every case ------
    login(desk, base, "officer")
    desk.goto(f"{base}/desk/incidents/{incident.pk}/")
    for n in numbers:
        assert n in desk.inner_text("#incident-cases")
    desk.fill("#id_reply", REPLY)
    desk.click("#save-reply")
    assert "待主管核定" in desk.inner_text(".messages")
    login(desk, base, "supervisor")
    desk.goto(f"{base}/desk/incidents/{incident.pk}/")
    desk.click("#close-all")
    assert "已答復並結案 3 件" in desk.inner_text(".messages")
    assert "已結束" in desk.inner_text("#incident-status")

    # --- every citizen reads their own reply, and was told through their own channel --------
    citizen = new_page()
    for (number, password), email in zip((first, second, third), ("one", "two", "three"), strict=True):
        case = Case.objects.get(number=number)
        assert case.state == State.CLOSED and case.on_time is True
        citizen.context.clear_cookies()
        citizen.goto(f"{base}/status/")
        citizen.fill("#id_number", number)
        citizen.fill("#id_password", password)
        citizen.click("main button[type=submit]")
        assert REPLY.format(number=number) in citizen.inner_text("#status-reply")
        assert "自來水管線破裂，已派員搶修。" in citizen.inner_text("#status-incident")
        notice = Notification.objects.get(case=case, template="case_reply")
        assert notice.recipient_address == f"{email}@example.invalid"
    assert problems.errors == []
