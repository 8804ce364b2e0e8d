"""A co-handled case in a real browser, from the mailbox to the citizen's reply:
intake dispatches it to the road section (主辦) with the cleaning section co-handling (協辦);
the co-handler finds what it is asked in its queue, answers its part, its supervisor
approves it; the lead officer quotes it in the one consolidated reply; the supervisor
approves; the citizen reads one reply and a timeline that names departments, never staff."""

from __future__ import annotations

import re

import pytest

from casesys.cases.models import Case, State
from casesys.cohandling.models import PartState
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_co_handled_case_from_intake_to_the_citizens_reply(live_server, org, new_page, problems):
    base = live_server.url

    # --- a citizen writes to the mailbox -----------------------------------------------------
    citizen = new_page()
    citizen.goto(f"{base}/mailbox/")
    citizen.select_option("#id_category", str(org.mailbox.pk))
    citizen.fill("#id_subject", "中山路路面坑洞且堆積廢棄物")
    citizen.fill("#id_description", "中山路二段路面有坑洞，旁邊還堆了廢棄家具。")
    citizen.fill("#id_name", "陳大文")
    citizen.fill("#id_phone", "0912345678")
    citizen.check("#id_privacy")
    citizen.click("main button[type=submit]")
    number = citizen.inner_text("#case-number").strip()
    password = citizen.inner_text("#case-password").strip()
    case = Case.objects.get(number=number)

    # --- intake dispatches: the road section leads, the cleaning section co-handles ------------
    desk = new_page()
    login(desk, base, "intake")
    desk.goto(f"{base}/desk/cases/{number}/")
    desk.click("#action-dispatch summary")
    desk.select_option("#id_dispatch-department", str(org.road.pk))
    desk.select_option("#id_dispatch-co_departments", [str(org.clean.pk)])
    desk.fill("#id_dispatch-note", "廢棄家具請清潔科協助清運")
    desk.click("#action-dispatch button[type=submit]")
    # The case has left intake's hands: back to the intake queue, with the number said.
    assert f"已完成：分文 {number}" in desk.inner_text(".messages") and "/desk/intake/" in desk.url
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.sla_value == 10
    part = case.parts.get()

    # --- the lead officer accepts; the reply waits for the part --------------------------------
    login(desk, base, "officer")
    desk.goto(f"{base}/desk/cases/{number}/")
    desk.click("#action-accept summary")
    desk.click("#action-accept button[type=submit]")
    assert "清潔科" in desk.inner_text(f"#part-{part.pk}") and "待簽收" in desk.inner_text(f"#part-{part.pk}")
    assert "尚待協辦單位完成：清潔科" in desk.inner_text(".actions")
    assert desk.locator("#action-submit_reply").count() == 0

    # --- the co-handler finds it in its queue, with what it is asked ---------------------------
    login(desk, base, "officer_clean")
    desk.goto(f"{base}/desk/queue/department/")
    row = desk.inner_text(f"#co-part-{part.pk}")
    assert number in row and "廢棄家具請清潔科協助清運" in row
    desk.click(f"#co-part-{part.pk} a")
    desk.click(f"#part-{part.pk}-action-accept summary")
    desk.click(f"#part-{part.pk}-action-accept button[type=submit]")
    assert "已完成" in desk.inner_text(".messages")
    desk.click(f"#part-{part.pk}-action-submit_reply summary")
    desk.fill(f"#id_part{part.pk}-submit_reply-reply", "本局已於今日清運路旁廢棄家具。")
    desk.click(f"#part-{part.pk}-action-submit_reply button[type=submit]")
    part.refresh_from_db()
    assert part.state == PartState.PENDING_APPROVAL

    # --- its supervisor approves the part from the approval inbox ------------------------------
    login(desk, base, "supervisor_epb")
    desk.goto(f"{base}/desk/approvals/")
    desk.click(f"#part-approvals a:text-is('{number}')")
    desk.click(f"#part-{part.pk}-action-approve summary")
    desk.click(f"#part-{part.pk}-action-approve button[type=submit]")
    part.refresh_from_db()
    assert part.state == PartState.DONE

    # --- the lead officer quotes the part in the one reply ----------------------------------
    login(desk, base, "officer")
    desk.goto(f"{base}/desk/cases/{number}/")
    quoted = desk.inner_text(f"#part-reply-{part.pk}")
    assert quoted == "本局已於今日清運路旁廢棄家具。"
    desk.click("#action-submit_reply summary")
    desk.fill("#id_submit_reply-reply", f"本府已修補中山路坑洞。另環保局表示：{quoted}")
    desk.click("#action-submit_reply button[type=submit]")
    case.refresh_from_db()
    assert case.state == State.PENDING_APPROVAL

    login(desk, base, "supervisor")
    desk.goto(f"{base}/desk/approvals/")
    desk.click(f"a:text-is('{number}')")
    desk.click("#action-approve summary")
    desk.click("#action-approve button[type=submit]")
    case.refresh_from_db()
    assert case.state == State.CLOSED

    # --- the citizen: one case, one reply, departments named, staff never ---------------------
    citizen.context.clear_cookies()
    citizen.goto(f"{base}/status/")
    citizen.fill("#id_number", number)
    citizen.fill("#id_password", password)
    citizen.click("main button[type=submit]")
    assert "另環保局表示：本局已於今日清運路旁廢棄家具。" in citizen.inner_text("#status-reply")
    timeline = citizen.inner_text(".timeline")
    assert "會同 清潔科 協同辦理" in timeline and "清潔科 已完成協辦" in timeline
    page = citizen.inner_text("main")
    for user in (org.officer, org.officer_clean, org.supervisor_epb, org.supervisor, org.intake):
        assert user.username not in page
        assert not user.first_name or not re.search(re.escape(user.first_name), page)

    assert problems.errors == []
