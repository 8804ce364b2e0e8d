"""The FAQ in a real browser: a citizen searches it (Simplified Chinese finds Traditional) and
reads an entry, also in English; a citizen typing a subject in the mailbox sees a matching
entry and opens it (counted for deflection); a supervisor publishes an editor's draft.
axe-core on every page shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.faq.models import PUBLISHED, FaqEntry, FaqProposal, MailboxFaqView
from casesys.faq.services import faq_entry_create, faq_entry_transition, mailbox_faq_viewed
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def entries(org):
    org.lights.name_en = "Street lights"
    org.lights.save()
    made = []
    for category, q, a, q_en, a_en in (
        (org.lights, "路燈不亮要怎麼報修？", "請記下路燈桿號，撥打 1999 或寫信到首長信箱，一般故障於 3 個工作天內修復。",
         "How do I report a street light that is out?", "Note the number on the lamp post and call 1999."),
        (org.pothole, "道路坑洞多久會修補？", "工務局接獲通報後 24 小時內派員修補或設置警示。", "", ""),
    ):
        e = faq_entry_create(category=category, question=q, answer=a, question_en=q_en, answer_en=a_en, by=org.intake)
        made.append(faq_entry_transition(entry=e, name="publish", by=org.supervisor))
    return made


def test_a_citizen_searches_the_faq_and_reads_an_entry(live_server, org, entries, new_page, problems):
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/mailbox/")
    page.get_by_role("navigation", name="主選單").get_by_role("link", name="常見問題").click()
    page.wait_for_url("**/faq/")
    assert page.locator("h2", has_text="路燈不亮").count() == 1
    assert_accessible(page)
    page.fill("#id_q", "路灯")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/faq/?q=*")
    assert "找到 1 則" in page.inner_text("#faq-count")
    assert "道路坑洞" not in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="路燈不亮要怎麼報修？").click()
    page.wait_for_url(f"**/faq/{entries[0].pk}/")
    assert "3 個工作天內修復" in page.inner_text("#faq-answer")
    assert "最後檢視日期" in page.inner_text("#faq-meta")
    assert_accessible(page)

    # The English UI: English entries only, and a pointer to the Chinese ones.
    page.goto(f"{base}/faq/")
    page.click("button[name=language][value=en]")
    page.wait_for_url("**/faq/")
    assert "How do I report a street light that is out?" in page.inner_text("main")
    assert "道路坑洞" not in page.inner_text("main")
    assert "answered in Chinese only" in page.inner_text("#faq-chinese-only")
    assert_accessible(page)
    assert problems.errors == []


def test_a_citizen_typing_a_subject_sees_a_matching_entry(live_server, org, entries, new_page, problems):
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/mailbox/")
    with page.expect_response(lambda r: "/faq/suggest/" in r.url):
        page.type("#id_subject", "巷口路燈不亮", delay=30)
    box = page.locator("#faq-suggest-box")
    link = box.get_by_role("link", name="路燈不亮要怎麼報修？")
    link.wait_for()
    assert box.get_attribute("aria-live") == "polite"
    assert_accessible(page)
    with page.context.expect_page() as opened:
        link.click()
    faq = opened.value
    faq.wait_for_load_state()
    assert "3 個工作天內修復" in faq.inner_text("#faq-answer")
    assert "不必寫信" in faq.inner_text("#faq-from-mailbox")
    assert_accessible(faq)
    assert MailboxFaqView.objects.filter(entry=entries[0]).count() == 1
    # The form kept what was typed.
    assert page.input_value("#id_subject") == "巷口路燈不亮"
    assert problems.errors == []


def test_an_editor_writes_and_a_supervisor_publishes(live_server, org, new_page, problems):
    base = live_server.url
    editor = new_page()
    login(editor, base, "intake")
    editor.get_by_role("navigation", name="主選單").get_by_role("link", name="常見問題管理").click()
    editor.wait_for_url("**/desk/faq/")
    assert_accessible(editor)
    editor.get_by_role("link", name="新增問答").click()
    editor.select_option("#id_category", str(org.mailbox.pk))
    editor.fill("#id_question", "首長信箱多久會答復？")
    editor.click("main form.card button[type=submit]")  # no answer yet
    assert editor.locator("#id_answer_error").count() == 1
    assert_accessible(editor)
    editor.fill("#id_answer", "一般陳情於收件次日起 6 個工作天內答復。")
    editor.click("main form.card button[type=submit]")
    editor.wait_for_url("**/desk/faq/*/")
    assert "已儲存草稿" in editor.inner_text(".messages")
    assert editor.locator("#btn-publish").count() == 0
    assert_accessible(editor)
    entry = FaqEntry.objects.get()

    sup = new_page()
    login(sup, base, "supervisor")
    sup.goto(f"{base}/desk/faq/")
    sup.get_by_role("link", name="首長信箱多久會答復？").click()
    sup.wait_for_url(f"**/desk/faq/{entry.pk}/")
    assert_accessible(sup)
    sup.click("#btn-publish")
    sup.wait_for_url(f"**/desk/faq/{entry.pk}/")
    assert "已審核發布" in sup.inner_text(".messages")
    assert "已發布" in sup.inner_text("#faq-status")
    assert_accessible(sup)
    entry.refresh_from_db()
    assert entry.status == PUBLISHED and entry.last_reviewed_at is not None

    # The proposals page and the deflection report, with something on each.
    FaqProposal.objects.create(
        category=org.lights, question="中山路路燈不亮", answer="您好：本處已派員更換燈具，目前已恢復照明。", case_count=6,
        reply_count=4, sample_numbers=["CS-1150301-00001", "CS-1150302-00002"], bigrams=["路燈", "不亮"],
        created_at=timezone.now(), refreshed_at=timezone.now(),
    )
    mailbox_faq_viewed(key="visit-1", entry=entry, now=timezone.now() - dt.timedelta(days=2))
    sup.goto(f"{base}/desk/faq/")
    sup.click("#proposals-link")
    sup.wait_for_url("**/desk/faq/proposals/")
    assert "6 件案件" in sup.inner_text("main")
    assert_accessible(sup)
    sup.get_by_role("navigation", name="主選單").get_by_role("link", name="常見問題成效").click()
    sup.wait_for_url("**/reports/faq/")
    assert sup.inner_text("#total-deflected").strip() == "1"
    assert_accessible(sup)

    citizen = new_page()
    citizen.goto(f"{base}/faq/")
    assert "首長信箱多久會答復？" in citizen.inner_text("main")
    # The site map lists the FAQ.
    citizen.goto(f"{base}/sitemap/")
    citizen.get_by_role("link", name="常見問題集：依類別整理的常見問題與答覆，可搜尋").click()
    citizen.wait_for_url("**/faq/")
    # The deliberate empty answer answers 400, which Chromium reports on the console.
    assert [e for e in problems.errors if "status of 400" not in e] == []
