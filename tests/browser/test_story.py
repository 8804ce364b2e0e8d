"""The whole story in a real browser: mailbox → intake → dispatch → accept → reply →
approve → the citizen reads the reply and answers the survey → the supervisor's
dashboard and reports render and their exports open."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from casesys.cases.models import Case, State
from casesys.web.models import ReplyTemplate
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Text a citizen typed, including markup: it must be shown as text and never run.
EVIL = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
SUBJECT = f"中山路路燈不亮 {EVIL}"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def assert_no_script_ran(page):
    assert page.evaluate("window.__xss") is None, f"citizen markup executed on {page.url}"


def test_citizen_letter_goes_through_the_whole_workflow(live_server, org, new_page, problems):
    base = live_server.url
    ReplyTemplate.objects.create(
        category=org.mailbox, title="路燈已修復", body="您好，案號 {number} 反映之路燈已於今日修復，謝謝您的反映。"
    )

    # --- a citizen writes to the mailbox ---------------------------------------------------
    citizen = new_page()
    citizen.goto(f"{base}/mailbox/")
    citizen.select_option("#id_category", str(org.mailbox.pk))
    citizen.fill("#id_subject", SUBJECT)
    citizen.fill("#id_description", f"巷口路燈三天不亮。{EVIL}")
    citizen.set_input_files("#id_attachments", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}])
    citizen.fill("#id_address", "中山區中山路二段10號")
    citizen.select_option("#id_district", "中山區")
    citizen.fill("#id_name", "王小明")
    citizen.fill("#id_phone", "0912345678")
    citizen.check("#id_privacy")
    citizen.click("main button[type=submit]")
    number = citizen.inner_text("#case-number").strip()
    password = citizen.inner_text("#case-password").strip()
    assert re.fullmatch(r"CS-\d{7}-\d{5}", number)
    case = Case.objects.get(number=number)
    assert case.state == State.RECEIVED and case.channel == "web"
    assert case.attachments.count() == 1

    # --- intake sees it and dispatches it in bulk -------------------------------------------
    desk = new_page()
    login(desk, base, "intake")
    desk.goto(f"{base}/desk/intake/")
    row = desk.locator("tr", has=desk.locator(f"a:text-is('{number}')"))
    assert EVIL in row.inner_text()  # shown literally
    assert_no_script_ran(desk)
    desk.check(f"#sel-{number}")
    desk.select_option("#id_department", str(org.road.pk))
    desk.click("text=分文所選案件")
    assert "已分文 1 件" in desk.inner_text(".messages")
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.department == org.road

    # --- the officer accepts and answers with a template --------------------------------------
    login(desk, base, "officer")
    desk.goto(f"{base}/desk/queue/department/")
    desk.click(f"a:text-is('{number}')")
    assert_no_script_ran(desk)
    assert EVIL in desk.inner_text("h1")
    assert "王○明" in desk.inner_text("#petitioner")  # not assigned yet: masked
    desk.click("#action-accept summary")
    desk.click("#action-accept button[type=submit]")
    assert "已完成" in desk.inner_text(".messages")
    assert "王小明" in desk.inner_text("#petitioner")  # the handling officer sees the contact
    desk.click("#action-submit_reply summary")
    desk.select_option("#id_submit_reply-template", label="路燈已修復")
    desk.wait_for_function(
        "document.querySelector('#id_submit_reply-reply').value.includes('修復')"
    )
    assert number in desk.input_value("#id_submit_reply-reply")
    desk.click("#action-submit_reply button[type=submit]")
    case.refresh_from_db()
    assert case.state == State.PENDING_APPROVAL

    # --- the supervisor approves from the approval inbox --------------------------------------
    login(desk, base, "supervisor")
    desk.goto(f"{base}/desk/approvals/")
    desk.click(f"a:text-is('{number}')")
    desk.click("#action-approve summary")
    desk.click("#action-approve button[type=submit]")
    case.refresh_from_db()
    assert case.state == State.CLOSED

    # --- the citizen reads the reply and answers the survey -----------------------------------
    citizen.context.clear_cookies()
    citizen.goto(f"{base}/status/")
    citizen.fill("#id_number", number)
    citizen.fill("#id_password", password)
    citizen.click("main button[type=submit]")
    assert "路燈已於今日修復" in citizen.inner_text("#status-reply")
    assert EVIL in citizen.inner_text("#status-subject")
    assert_no_script_ran(citizen)
    citizen.check("#id_score_3")  # the fourth radio: 2 = dissatisfied
    citizen.fill("#id_comment", "修好了但拖太久")
    citizen.click("main form[action$='/survey/'] button[type=submit]")
    assert "2/5" in citizen.inner_text("#survey-thanks")
    case.refresh_from_db()
    assert case.satisfaction == 2 and case.callback_required

    # --- the supervisor's dashboard and reports ------------------------------------------------
    desk.goto(f"{base}/reports/")
    desk.wait_for_selector("body[data-charts-ready='6']")
    sizes = desk.eval_on_selector_all("canvas[data-chart]", "cs => cs.map(c => c.width * c.height)")
    assert len(sizes) == 6 and all(s > 0 for s in sizes)

    desk.goto(f"{base}/reports/overdue/")
    with desk.expect_download() as dl:
        desk.click("#export-xlsx")
    wb = load_workbook(io.BytesIO(open(dl.value.path(), 'rb').read()))
    assert dl.value.suggested_filename.endswith('.xlsx')
    assert wb.sheetnames == ["依單位承辦人", "逾期案件", "條件"]  # the reader's language
    with desk.expect_download() as dl:
        desk.click("#export-csv")
    rows = list(csv.reader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][0] == "案號"

    desk.goto(f"{base}/reports/performance/")
    assert "合計" in desk.inner_text("tfoot")
    with desk.expect_download() as dl:
        desk.click("#export-xlsx")
    ws = load_workbook(io.BytesIO(open(dl.value.path(), 'rb').read())).active
    header = [c.value for c in ws[1]]
    assert header[0] == "單位" and "依限結案率%" in header
    totals = [c.value for c in ws[ws.max_row]]
    assert totals[0] == "合計" and totals[2] >= 1  # our case was closed in the period
    with desk.expect_download() as dl:
        desk.click("#export-csv")
    assert open(dl.value.path(), encoding="utf-8-sig").read().startswith("單位,")

    assert problems.errors == []


def test_english_switch_changes_the_page_text(live_server, org, new_page, problems):
    page = new_page()
    page.goto(f"{live_server.url}/mailbox/")
    assert page.inner_text("h1") == "首長信箱"
    assert page.get_attribute("html", "lang") == "zh-Hant-TW"
    page.click("header button[value=en]")
    assert page.inner_text("h1") == "Write to the Mayor"
    assert "Subject" in page.inner_text("label[for=id_subject]")
    assert page.get_attribute("html", "lang") == "en"
    page.click("header button[value=zh-hant]")
    assert page.inner_text("h1") == "首長信箱"
    assert problems.errors == []


def test_mailbox_form_is_usable_with_the_keyboard(live_server, org, new_page, problems):
    page = new_page()
    page.goto(f"{live_server.url}/mailbox/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
    # Every field is reachable in order; the honeypot never is.
    for field in ("id_category", "id_subject", "id_description", "id_name", "id_phone", "id_privacy"):
        assert field in seen
    assert "id_website" not in seen
    # Visible focus: the focused element draws an outline.
    page.focus("#id_subject")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert problems.errors == []


def test_desk_htmx_interactions_work_without_console_errors(live_server, org, new_page, problems):
    from tests.factories import new_case

    road, _ = new_case(org, category=org.pothole, subject="忠孝東路坑洞", petitioner={"name": "林美華", "phone": "0911222333"})
    new_case(org, category=org.pothole, subject="仁愛路坑洞")
    page = new_page()
    login(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/desk/queue/department/")
    assert page.locator("#queue-results tbody tr").count() == 2
    # Filtering swaps only the table and keeps the URL shareable.
    page.fill("#id_q", "忠孝")
    page.press("#id_q", "Enter")
    page.wait_for_function("document.querySelectorAll('#queue-results tbody tr').length === 1")
    assert "q=" in page.url and "忠孝東路坑洞" in page.inner_text("#queue-results")
    page.click(f"a:text-is('{road.number}')")
    # Reveal: masked until asked, then shown in place and audited.
    assert "林○華" in page.inner_text("#petitioner")
    page.click("#petitioner button")
    page.wait_for_function("document.querySelector('#petitioner').innerText.includes('林美華')")
    # Notes are added in place.
    page.fill("#id_text", "已電話聯絡陳情人")
    page.click("#notes button[type=submit]")
    page.wait_for_function("document.querySelector('#notes').innerText.includes('已電話聯絡陳情人')")
    # English switch on a staff page.
    page.click("header button[value=en]")
    assert "Timeline" in page.inner_text("main") and "Internal notes" in page.inner_text("main")
    assert problems.errors == []
