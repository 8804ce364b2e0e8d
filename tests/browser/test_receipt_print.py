"""Printing: intake registers a walk-in case and prints its receipt; the case page prints
without navigation, forms or buttons (the @media print rules in app.css)."""

from __future__ import annotations

import re

import pytest

from casesys.cases.models import Channel
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _hidden(page, selector: str) -> bool:
    return all(not el.is_visible() for el in page.locator(selector).all())


def test_receipt_and_case_page_print_without_navigation_or_forms(live_server, org, new_page, problems):
    base = live_server.url
    page = new_page()
    page.context.set_default_timeout(60_000)  # a busy machine: the first requests may be slow
    login(page, base, "intake")
    page.goto(f"{base}/desk/intake/new/")
    page.fill("#id_subject", "市民大道人行道破損")
    page.fill("#id_description", "市民大道三段人行道地磚翹起，長者容易跌倒。")
    page.select_option("#id_category", str(org.lights.pk))
    page.select_option("#id_channel", Channel.WALK_IN)
    page.select_option("#id_language", "en")
    page.click("#intake-form button[type=submit]")
    m = re.search(r"已登錄 (CS-\d{7}-\d{5})，查詢密碼 (\S+?)（", page.inner_text(".messages"))
    assert m
    number, password = m.groups()

    page.click("#receipt-link")
    assert page.inner_text("#receipt-number") == number
    assert page.inner_text("#receipt-password") == password
    assert "What happens next" in page.inner_text("#receipt")  # the petitioner's language
    assert_accessible(page)
    # The print button calls window.print() from app.js (no inline handler).
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") is True

    page.emulate_media(media="print")
    assert page.locator("#receipt").is_visible() and page.locator("#receipt-password").is_visible()
    for selector in ("header.site-header", "nav", "footer", "form", "button", ".btn", ".skip-link", ".accesskey"):
        assert _hidden(page, selector), f"{selector} is printed on the receipt"

    page.emulate_media(media="screen")
    page.goto(f"{base}/desk/cases/{number}/")
    assert page.locator("form").count() > 0 and page.locator("nav").first.is_visible()
    page.emulate_media(media="print")
    assert page.locator(".case-header").is_visible() and page.locator("#h-timeline").is_visible()
    for selector in ("header.site-header", "nav", "footer", "form", "button", ".actions", "details.action"):
        assert _hidden(page, selector), f"{selector} is printed on the case page"
    assert problems.errors == []
