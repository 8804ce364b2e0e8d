"""What an officer and an intake clerk do at the desk, in a real browser: the officer opens
"my cases" (what they can act on first, the reply awaiting approval under "waiting on
others"), sorts by a column, saves the filter; intake ticks every case with the select-all
box and bulk-dispatches to each category's default, one case reported as unroutable; the
notifications page pages and shows one language. Then the same pages on a 390-px phone: the
queues are cards and nothing scrolls the page sideways. axe-core finds no violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.cases import services
from casesys.cases.models import Case, Category, State
from casesys.notifications.models import Notification
from casesys.web.models import SavedFilter
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.factories import CategoryFactory, new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


def officer_cases(org) -> dict[str, Case]:
    now = timezone.now()
    out = {}
    for key, subject, due_days, received_days in (
        ("waiting", "送核中：和平東路坑洞", 1, 6),
        ("soon", "信義路人孔蓋凹陷", 2, 2),
        ("later", "仁愛路路面龜裂", 5, 4),
    ):
        case, _ = new_case(org, category=org.pothole, subject=subject, confidential=key == "later")
        services.case_accept(case=case, by=org.officer)
        Case.objects.filter(pk=case.pk).update(
            due_at=now + dt.timedelta(days=due_days), received_at=now - dt.timedelta(days=received_days)
        )
        case.refresh_from_db()
        out[key] = case
    services.case_submit_reply(case=out["waiting"], reply="已修補完成。", by=org.officer)
    return out


def intake_cases(org) -> tuple[Case, Case]:
    other = CategoryFactory(code="ROAD-OTHER", name="其他道路問題")
    routable, _ = new_case(org, category=other, subject="路邊護欄損壞", channel="phone")
    unroutable, _ = new_case(org, category=org.mailbox, subject="建議增設公車站")
    # The category got its default department after the case came in.
    Category.objects.filter(pk=other.pk).update(department=org.road)
    assert routable.state == unroutable.state == State.RECEIVED
    return routable, unroutable


def notices(org, n: int = 30) -> None:
    for i in range(n):
        Notification.objects.create(
            channel="inapp",
            recipient_user=org.officer,
            template="no_such_template",
            subject=f"案件提醒{i:02d} / Case reminder {i:02d}",
            body=f"請處理案件。\nhttp://testserver.invalid/desk/cases/CS-{i}/\n\n— — —\n\nPlease handle the case.",
            status="sent",
            read_at=timezone.now() if i % 3 == 0 else None,
        )


def test_the_desk_from_my_queue_to_bulk_dispatch_on_desktop_and_phone(live_server, org, new_page, problems):
    base = live_server.url
    mine = officer_cases(org)
    routable, unroutable = intake_cases(org)
    notices(org)

    # --- the officer opens "my cases": what they can act on, soonest due first ------------------
    page = new_page()
    login(page, base, "officer")
    page.goto(f"{base}/desk/queue/")
    first_row = page.locator("#queue-results tbody tr").first
    assert mine["soon"].number in first_row.inner_text()
    assert mine["waiting"].number not in page.inner_text("#queue-results")
    assert "1" in page.inner_text("#tab-waiting")
    assert_accessible(page)

    # The reply awaiting approval waits on the supervisor.
    page.click("#tab-waiting")
    assert mine["waiting"].number in page.inner_text("#queue-results")
    assert "答復待主管核定" in page.inner_text("#queue-results")
    page.click("#tab-todo")

    # --- sorts by received, newest first (two clicks on the header link) -------------------------
    page.click("th a[data-sort=received]")
    assert page.get_attribute("th:has(a[data-sort=received])", "aria-sort") == "ascending"
    page.click("th a[data-sort=received]")
    assert page.get_attribute("th:has(a[data-sort=received])", "aria-sort") == "descending"
    assert "sort=-received" in page.url
    rows = page.locator("#queue-results tbody tr")
    assert mine["soon"].number in rows.nth(0).inner_text() and mine["later"].number in rows.nth(1).inner_text()
    assert "保密" in rows.nth(1).inner_text()

    # --- saves it as a filter, listed as a link --------------------------------------------------
    page.fill("#saved-filter-name", "新收優先")
    page.click(".save-filter button[type=submit]")
    assert "已儲存篩選" in page.inner_text(".messages")
    saved = SavedFilter.objects.get(user=org.officer, name="新收優先")
    assert "sort=-received" in saved.query
    page.goto(f"{base}/desk/queue/")
    page.click(".saved-list a:text-is('新收優先')")
    assert page.get_attribute("th:has(a[data-sort=received])", "aria-sort") == "descending"
    assert_accessible(page)

    # --- notifications: one language, links, 25 a page, the badge agrees ------------------------
    page.goto(f"{base}/desk/notifications/")
    assert page.locator(".notifications > li").count() == 25
    text = page.inner_text("main")
    assert "案件提醒" in text and "Case reminder" not in text and "Please handle" not in text
    assert page.locator(".notifications a[href^='http://testserver.invalid/desk/cases/']").count() == 25
    unread = Notification.objects.filter(recipient_user=org.officer, read_at__isnull=True).count()
    assert page.get_attribute(".site-header .badge", "data-unread") == str(unread)
    assert page.inner_text("#unread-listed") == str(unread)
    assert_accessible(page)
    page.click(".pager a[rel=next]")
    assert page.locator(".notifications > li").count() == 5
    assert_accessible(page)

    # --- intake ticks every case and dispatches each to its category's default -------------------
    clerk = new_page()
    login(clerk, base, "intake")
    clerk.goto(f"{base}/desk/intake/")
    assert_accessible(clerk)
    clerk.check("#select-all")
    boxes = clerk.locator("input[data-select-item=cases]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    clerk.uncheck(f"#sel-{unroutable.number}")
    assert clerk.evaluate("document.getElementById('select-all').indeterminate")
    clerk.check("#select-all")
    clerk.click("text=分文所選案件")
    messages = clerk.inner_text(".messages")
    assert f"已分文 1 件：{routable.number}" in messages
    assert f"{unroutable.number}: 類別沒有預設單位，請選擇承辦單位" in messages
    routable.refresh_from_db()
    unroutable.refresh_from_db()
    assert routable.state == State.DISPATCHED and routable.department == org.road
    assert unroutable.state == State.RECEIVED
    assert_accessible(clerk)

    # --- the same pages on a 390-px phone -------------------------------------------------------
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/desk/queue/")
    row = page.locator("#queue-results tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"  # a card, not a table row
    assert page.locator("#queue-results thead th:not(.sortable)").first.is_hidden()
    label = row.locator("td[data-label]").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"') in ("主旨", "Subject")
    no_sideways_scroll(page)
    assert_accessible(page)
    page.goto(f"{base}/desk/cases/{mine['soon'].number}/")
    no_sideways_scroll(page)
    page.goto(f"{base}/desk/notifications/")
    no_sideways_scroll(page)
    assert_accessible(page)

    clerk.set_viewport_size(PHONE)
    new_case(org, category=org.mailbox, subject="路燈閃爍請派員檢修，位置在中山北路二段與民權東路口附近")
    clerk.goto(f"{base}/desk/intake/")
    assert clerk.locator("#queue-results tbody tr").first.evaluate("r => getComputedStyle(r).display") == "block"
    no_sideways_scroll(clerk)
    assert_accessible(clerk)
    clerk.goto(f"{base}/desk/intake/new/")
    no_sideways_scroll(clerk)
    clerk.goto(f"{base}/desk/cases/{unroutable.number}/")
    no_sideways_scroll(clerk)

    # Back at desktop width the queue is a table again.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/desk/queue/")
    assert page.locator("#queue-results tbody tr").first.evaluate("r => getComputedStyle(r).display") == "table-row"
    assert problems.errors == []
