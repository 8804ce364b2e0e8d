from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casesys.cases.models import Attachment, Case
from tests.web.test_survey import closed_case

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"


def letter(org, **extra):
    data = {
        "category": str(org.mailbox.pk),
        "subject": f"路燈不亮{EVIL}",
        "description": "巷口路燈不亮",
        "address": "中山區中山路二段10號",
        "district": "中山區",
        "name": "王小明",
        "phone": "0912345678",
        "email": "",
        "privacy": "on",
        "website": "",
    }
    data.update(extra)
    return data


def test_mailbox_letter_becomes_a_web_case_and_shows_number_and_password_once(org):
    c = Client()
    png = SimpleUploadedFile("lamp.png", b"\x89PNG\r\n\x1a\nxxxx", content_type="image/png")
    resp = c.post("/mailbox/", {**letter(org), "attachments": [png]})
    assert resp.status_code == 302 and resp["Location"] == "/mailbox/done/"
    case = Case.objects.get()
    assert case.channel == "web" and case.petitioner.name == "王小明"
    assert Attachment.objects.filter(case=case, original_name="lamp.png").exists()
    done = c.get("/mailbox/done/")
    assert case.number in done.content.decode()
    # The password is shown once only.
    assert c.get("/mailbox/done/").status_code == 302


def test_mailbox_requires_the_privacy_notice_and_shows_the_error_next_to_it(org):
    resp = Client().post("/mailbox/", letter(org, privacy=""))
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="id_privacy_error"' in html and "個人資料告知事項" in html
    assert Case.objects.count() == 0


def test_mailbox_rejects_disallowed_attachments_without_creating_a_case(org):
    exe = SimpleUploadedFile("run.exe", b"MZ....", content_type="application/x-msdownload")
    resp = Client().post("/mailbox/", {**letter(org), "attachments": [exe]})
    assert resp.status_code == 400
    assert "不接受的檔案類型" in resp.content.decode()
    assert Case.objects.count() == 0


def test_honeypot_submission_is_silently_dropped(org):
    resp = Client().post("/mailbox/", letter(org, website="http://spam.example"))
    assert resp.status_code == 200
    assert Case.objects.count() == 0


def test_mailbox_is_rate_limited_per_address(org):
    c = Client()
    for _ in range(5):
        assert c.post("/mailbox/", letter(org)).status_code == 302
    resp = c.post("/mailbox/", letter(org))
    assert resp.status_code == 429
    assert Case.objects.count() == 5


def test_status_lookup_needs_the_right_password_and_escapes_citizen_text(org):
    case, password = closed_case(org, subject=f"坑洞{EVIL}")
    c = Client()
    wrong = c.post("/status/", {"number": case.number, "password": "nope"})
    assert wrong.status_code == 400 and "不正確" in wrong.content.decode()
    assert c.get(f"/status/{case.number}/").status_code == 302  # not unlocked
    ok = c.post("/status/", {"number": case.number, "password": password})
    assert ok.status_code == 302
    page = c.get(ok["Location"]).content.decode()
    assert "已修補完成" in page
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "滿意度調查" in page


def test_survey_through_the_portal(org):
    case, password = closed_case(org)
    c = Client()
    c.post("/status/", {"number": case.number, "password": password})
    resp = c.post(f"/status/{case.number}/survey/", {"score": "1", "comment": "不滿意"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == 1 and case.callback_required
    # A stranger without the password cannot answer.
    assert Client().post(f"/status/{case.number}/survey/", {"score": "5"}).status_code == 404


def test_portal_is_chinese_by_default_and_english_after_the_switch(org):
    c = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "首長信箱" in c.get("/mailbox/").content.decode()
    c.post("/i18n/setlang/", {"language": "en", "next": "/mailbox/"})
    html = c.get("/mailbox/").content.decode()
    assert "Write to the Mayor" in html and 'lang="en"' in html
