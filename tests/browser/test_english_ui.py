"""The English UI in a real browser: switched with the header's language button, the queue,
a case page and the reports show English only (headings, labels, table heads, choices) and
pass axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.web.test_one_language import english_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# What names the page's parts: every one must be English once the UI is.
UI_TEXT = "h1, h2, h3, legend, label, th, caption, summary, nav a, option, dt, .btn, button:not([lang=zh-Hant])"


def chinese_ui_text(page) -> list[str]:
    texts = page.eval_on_selector_all(UI_TEXT, "els => els.map(e => e.innerText || e.textContent)")
    return sorted({t.strip() for t in texts if CJK.search(t)})


def assert_english(page) -> None:
    assert page.get_attribute("html", "lang") == "en"
    assert chinese_ui_text(page) == [], page.url
    assert_accessible(page)


def test_english_ui_queue_case_and_reports(live_server, new_page, problems):
    world = english_world()
    base = live_server.url
    page = new_page()
    login(page, base, "supervisor")
    page.goto(f"{base}/desk/queue/department/")
    assert page.get_attribute("html", "lang") == "zh-Hant-TW"
    page.click("header button[value=en]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Department queue"
    assert_english(page)
    # District choices are English, their stored values Chinese.
    assert page.inner_text("#id_district option[value='中山區']") == "Zhongshan District"

    page.click(f"a:text-is('{world['working'].number}')")
    page.wait_for_load_state()
    assert "Road Maintenance Section" in page.inner_text(".case-header")
    assert "Zhongshan District" in page.inner_text("main")
    assert_english(page)

    for link, heading in (("Dashboard", "Dashboard"), ("Overdue report", "Overdue"), ("Performance", "Performance")):
        page.click(f"nav a:text-is('{link}')")
        page.wait_for_load_state()
        assert heading.lower() in page.inner_text("h1").lower()
        assert_english(page)

    # Back to Chinese: the same page, Chinese only.
    page.click("header button[value=zh-hant]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-Hant-TW"
    assert not re.search(r"[\u4e00-\u9fff][^\n]* / [A-Za-z]", page.inner_text("main"))
    assert problems.errors == []
