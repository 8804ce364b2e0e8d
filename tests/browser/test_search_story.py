"""Search in a real browser: a 1999 operator types the caller's phone on the intake form and
sees the caller's earlier case before registering a new one; a supervisor searches by text
and by a Simplified-Chinese term, gets the Traditional case, opens it; a bad date range shows
a form error. axe-core checks the search page (with results and with an error) and the intake
form."""

from __future__ import annotations

import pytest
from django.utils import timezone

from casesys.cases.models import Case, IdentitySearch, State
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.factories import new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_sees_the_callers_earlier_case_and_supervisor_searches(live_server, org, new_page, problems):
    base = live_server.url
    earlier, _ = new_case(
        org, by=org.intake, channel="phone", category=org.lights, subject="公園路燈整排不亮",
        description="公園旁的路燈整排都不亮，晚上很暗，請儘速處理。",
        petitioner={"name": "黃美玲", "phone": "0921-333-444"},
    )
    Case.objects.filter(pk=earlier.pk).update(state=State.CLOSED, closed_at=timezone.now())
    other, _ = new_case(org, category=org.pothole, subject="中山路坑洞", petitioner={"name": "李四", "phone": "0988000111"})

    # --- a 1999 operator takes a call ---------------------------------------------------------
    page = new_page()
    login(page, base, "intake")
    page.goto(f"{base}/desk/intake/new/")
    assert_accessible(page)
    with page.expect_response(lambda r: "/desk/intake/caller-cases/" in r.url and "0921" not in r.url):
        page.type("#id_phone", "+886 921 333 444", delay=20)
    box = page.locator("#caller-cases")
    box.get_by_role("link", name=earlier.number).wait_for()
    text = box.inner_text()
    assert "公園路燈整排不亮" in text and "已結案" in text and other.number not in text
    assert "黃美玲" not in text
    assert_accessible(page)
    assert IdentitySearch.objects.filter(actor=org.intake, source="intake").exists()
    assert not IdentitySearch.objects.filter(masked_terms__phone__contains="333444").exists()

    # --- a supervisor searches ------------------------------------------------------------------
    sup = new_page()
    login(sup, base, "supervisor")
    sup.get_by_role("link", name="案件搜尋").click()
    sup.wait_for_url("**/desk/search/")
    sup.fill("#id_q", "坑洞")
    sup.click("form[role=search] button[type=submit]")
    sup.locator("#search-results").get_by_role("link", name=other.number).wait_for()
    assert earlier.number not in sup.inner_text("#search-results")
    assert_accessible(sup)

    # Simplified Chinese finds the Traditional text, closed cases included.
    sup.fill("#id_q", "路灯整排")
    sup.select_option("#id_state", "closed")
    sup.click("form[role=search] button[type=submit]")
    link = sup.locator("#search-results").get_by_role("link", name=earlier.number)
    link.wait_for()
    assert other.number not in sup.inner_text("#search-results")
    assert_accessible(sup)
    link.click()
    sup.wait_for_url(f"**/desk/cases/{earlier.number}/")
    assert "公園路燈整排不亮" in sup.inner_text("main")

    # A bad date range: a form error, announced and linked to its field.
    sup.goto(f"{base}/desk/search/?received_from=2026-03-10&received_to=2026-03-01")
    error = sup.locator("#id_received_to_error")
    assert "迄日不可早於起日" in error.inner_text()
    assert_accessible(sup)

    # The deliberate bad input answers 400, which Chromium reports on the console.
    assert [e for e in problems.errors if "status of 400" not in e or "received_to=" not in e] == []
