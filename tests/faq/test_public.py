"""The public FAQ as citizens see it: by category, each entry with its last-reviewed date, in
Chinese or (only) English, searchable with Simplified Chinese too; drafts never shown."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from casesys.faq.services import faq_entry_create
from tests.faq.conftest import published

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def english_client() -> Client:
    c = Client()
    c.cookies["django_language"] = "en"
    return c


def main_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_published_entries_by_category_with_their_review_date(org, lights_faq):
    published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="接獲通報後 24 小時內派員修補。")
    faq_entry_create(category=org.lights, question="草稿：路燈何時更換 LED？", answer="尚未定案", by=org.intake)
    html = Client().get("/faq/").content.decode()
    text = main_text(html)
    assert "路燈不亮要怎麼報修？" in text and "道路坑洞多久會修補？" in text
    assert "草稿" not in text
    # One heading per category, the entry under it, with the date it was last reviewed.
    assert re.search(r"<h2[^>]*>路燈不亮</h2>\s*<ul class=\"faq-list\">\s*<li><a href=\"/faq/\d+/\">路燈不亮要怎麼報修？", html)
    assert "最後檢視 <time datetime=\"2026-06-10\">2026-06-10</time>" in html

    page = Client().get(f"/faq/{lights_faq.pk}/")
    assert page.status_code == 200
    body = main_text(page.content.decode())
    assert "路燈不亮要怎麼報修？" in body and "3 個工作天內修復" in body and "最後檢視日期" in body and "2026-06-10" in body


def test_a_draft_is_not_public(org):
    draft = faq_entry_create(category=org.lights, question="路燈何時換成 LED？", answer="規劃中", by=org.intake)
    assert Client().get(f"/faq/{draft.pk}/").status_code == 404
    assert "路燈何時換成 LED" not in Client().get("/faq/").content.decode()
    assert "路燈何時換成 LED" not in Client().get("/faq/", {"q": "LED"}).content.decode()


def test_english_ui_shows_english_entries_only(org, lights_faq):
    org.lights.name_en = "Street lights"
    org.lights.save()
    chinese_only = published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="24 小時內修補。")
    c = english_client()
    html = c.get("/faq/").content.decode()
    text = main_text(html)
    assert "How do I report a street light that is out?" in text and "Street lights" in text
    assert "Last reviewed" in text
    assert "1 more question is answered in Chinese only" in text
    # English only (the button offering 中文 lives in the header, outside <main>), apart
    # from the pointer to the language switch.
    assert not CJK.search(text.replace("中文", ""))
    entry = c.get(f"/faq/{lights_faq.pk}/")
    assert "ordinary faults are fixed within 3 working days" in entry.content.decode()
    assert not CJK.search(main_text(entry.content.decode()))
    assert c.get(f"/faq/{chinese_only.pk}/").status_code == 404


def test_search_question_and_answer_simplified_finds_traditional(org, lights_faq):
    pothole = published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="工務局接獲通報後 24 小時內派員修補。")
    c = Client()
    found = main_text(c.get("/faq/", {"q": "路灯"}).content.decode())
    assert "路燈不亮要怎麼報修？" in found and "道路坑洞" not in found and "找到 1 則" in found
    # A word only in the answer.
    assert "道路坑洞多久會修補？" in main_text(c.get("/faq/", {"q": "派员修补"}).content.decode())
    none = main_text(c.get("/faq/", {"q": "停車費"}).content.decode())
    assert "沒有符合的問題" in none and pothole.question not in none
    en = main_text(english_client().get("/faq/", {"q": "lamp post"}).content.decode())
    assert "How do I report a street light that is out?" in en
    # Too long a query is a form error, not a 500.
    assert c.get("/faq/", {"q": "路" * 500}).status_code == 400


def test_faq_is_in_the_public_menu_and_the_site_map(org):
    home = Client().get("/mailbox/").content.decode()
    assert 'href="/faq/"' in home.split("</nav>")[0]
    portal = Client().get("/portal/").content.decode()
    assert 'href="/faq/"' in portal.split('<main id="main"')[1]
    site = Client().get("/sitemap/").content.decode()
    assert 'href="/faq/"' in site and "常見問題集" in site
