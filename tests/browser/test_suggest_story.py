"""The category suggestion in a real browser: a 1999 operator types a complaint on the intake
form, sees three suggested categories with similar past cases, clicks the first, the category
field is filled and the case is saved in it; a citizen writing to the mailbox gets a
confident category pre-selected. axe-core checks both pages with the suggestions shown."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from casesys.cases.models import Case
from casesys.suggest.selectors import forget_classifier
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login
from tests.suggest.conftest import categories, closed_cases, trained  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "機車道坑洞"
DESCRIPTION = "民眾來電：環河路機車道有好幾個坑洞，昨天下雨積水，騎車經過很危險，請修補路面。"


def test_operator_picks_a_suggested_category_and_registers_the_case(live_server, org, categories, trained, new_page, problems):  # noqa: F811
    forget_classifier()
    base = live_server.url
    pothole = categories["ROAD-POTHOLE"]
    page = new_page()
    login(page, base, "intake")
    page.goto(f"{base}/desk/intake/new/")
    assert_accessible(page)
    page.select_option("#id_channel", "phone")
    page.fill("#id_name", "測試民眾")
    page.fill("#id_phone", "0912-000-321")
    page.fill("#id_subject", SUBJECT)
    with page.expect_response(lambda r: "/desk/suggest/intake/" in r.url and r.request.method == "POST") as sent:
        page.type("#id_description", DESCRIPTION[:12], delay=15)
    # Only the subject and the description travel: not the caller's name or phone.
    sent_fields = parse_qs(sent.value.request.post_data or "", keep_blank_values=True)
    assert set(sent_fields) <= {"subject", "description"}, sent_fields
    box = page.locator("#category-suggest-box")
    box.get_by_role("button").first.wait_for()
    buttons = box.get_by_role("button")
    assert buttons.count() == 3
    assert buttons.first.inner_text() == "道路／道路坑洞"
    text = box.inner_text()
    assert "建議類別" in text and "類似的過去案件" in text and "道路養護科" in text
    assert_accessible(page)

    assert page.input_value("#id_category") == ""
    buttons.first.click()
    assert page.input_value("#id_category") == str(pothole.pk)

    page.fill("#id_description", DESCRIPTION)
    page.click("#intake-form button[type=submit]")
    page.wait_for_url("**/desk/intake/new/?channel=phone&last=*")
    case = Case.objects.get(subject=SUBJECT)
    assert case.category_id == pothole.pk
    assert case.number in page.inner_text("main")
    assert not problems.errors, problems.errors


def test_citizen_gets_a_confident_category_preselected(live_server, org, categories, trained, new_page, problems, settings):  # noqa: F811
    forget_classifier()
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "CONFIDENT_PERCENT": 50}
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/mailbox/")
    assert page.input_value("#id_category") == ""
    page.fill("#id_name", "王小明")
    page.fill("#id_email", "citizen@example.invalid")
    page.fill("#id_subject", "路燈壞了")
    with page.expect_response(lambda r: "/mailbox/category-suggestion/" in r.url) as sent:
        page.type("#id_description", "信義路三段那支路燈一個禮拜不亮，晚上很暗", delay=15)
    sent_fields = parse_qs(sent.value.request.post_data or "", keep_blank_values=True)
    assert set(sent_fields) <= {"subject", "description", "category", "category_auto"}, sent_fields
    assert "路燈" in sent_fields["description"][0]
    note = page.locator("#category-suggestion .category-suggested")
    note.wait_for()
    assert "路燈不亮" in note.inner_text()
    assert page.input_value("#id_category") == str(categories["LIGHT-OUT"].pk)
    assert "CS-" not in page.inner_text("#category-suggestion")
    assert_accessible(page)
    assert not problems.errors, problems.errors
