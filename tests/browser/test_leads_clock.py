"""The leads page as intake staff see it: untriaged leads by triage deadline, the overdue one
first and marked in words; converting one records the first triage; a lead naming a case says
which case and why (axe-clean)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.inbound.models import Lead
from casesys.inbound.services import lead_record
from casesys.social.alerts import lead_alerts_check
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.factories import new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_sees_the_overdue_lead_first_and_triages_it(live_server, org, new_page, problems):
    base = live_server.url
    later, _ = lead_record(source="feed", external_id="f1", text="…", title="市場垃圾堆積")
    overdue, _ = lead_record(source="facebook", external_id="c1", text="巷口路燈壞了三天")
    now = timezone.now()
    Lead.objects.filter(pk=later.pk).update(triage_due_at=now + dt.timedelta(hours=3))
    Lead.objects.filter(pk=overdue.pk).update(triage_due_at=now - dt.timedelta(hours=1))

    page = new_page()
    login(page, base, "intake")
    page.goto(f"{base}/desk/leads/")

    cards = page.locator("ul.leads > li.card")
    assert cards.count() == 2
    first = cards.nth(0)
    assert "巷口路燈壞了三天" in first.inner_text()
    assert first.locator(".lead-clock .tag-overdue").inner_text() == "已逾期"
    assert "已逾期" not in cards.nth(1).inner_text() and "分類期限" in cards.nth(1).inner_text()
    assert_accessible(page)

    first.locator("select[name=category]").select_option(str(org.lights.pk))
    first.locator("button[type=submit]", has_text="立案").click()
    page.wait_for_load_state()
    assert page.locator(".messages, [role=status], .msg").filter(has_text="已立案").count() >= 1
    overdue.refresh_from_db()
    assert overdue.status == "converted" and overdue.triaged_on_time is False

    page.goto(f"{base}/desk/leads/?status=converted")
    card = page.locator("ul.leads > li.card").first
    assert "首次分類" in card.inner_text() and "逾限" in card.inner_text()
    assert_accessible(page)
    assert problems.errors == []


def test_a_lead_naming_a_case_says_which_case_and_why(live_server, org, new_page, problems):
    base = live_server.url
    received, _password = new_case(org)  # not yet dispatched: intake staff may open it
    lead, _ = lead_record(source="facebook", external_id="c2", text=f"我陳情的 {received.number} 怎麼還沒人處理？")
    lead_alerts_check(lead_id=lead.pk)

    page = new_page()
    login(page, base, "intake")
    page.goto(f"{base}/desk/leads/")

    alert = page.locator(f"#lead-{lead.pk} .lead-alerts")
    assert "涉及既有案件" in alert.inner_text()
    line = alert.locator("li.lead-alert")
    assert line.inner_text() == f"{received.number}：提及此案號"
    assert_accessible(page)
    line.get_by_role("link", name=received.number).click()
    page.wait_for_load_state()
    assert received.number in page.locator("h1").inner_text()
    assert problems.errors == []
