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


@pytest.fixture
def mailbox_limits(settings):
    settings.CASESYS = {
        **settings.CASESYS,
        "MAILBOX_PER_HOUR": 2,
        "MAILBOX_COUNTER_ADDRESSES": ["192.0.2.0/28"],
        "MAILBOX_COUNTER_PER_HOUR": 4,
    }
    settings.CASESYS_TRUSTED_PROXIES = ["10.0.0.5/32"]


def test_mailbox_counts_accepted_letters_only(org, mailbox_limits):
    c = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(4):  # sent back for a missing name: nothing stored, nothing counted
        assert c.post("/mailbox/", letter(org, name="")).status_code == 400
    assert [c.post("/mailbox/", letter(org)).status_code for _ in range(2)] == [302, 302]
    assert Case.objects.count() == 2


def test_a_refused_letter_says_how_long_to_wait(org, mailbox_limits):
    c = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(2):
        assert c.post("/mailbox/", letter(org)).status_code == 302
    resp = c.post("/mailbox/", letter(org))
    assert resp.status_code == 429
    assert 3500 < int(resp["Retry-After"]) <= 3600
    assert "請於 60 分鐘後再試" in resp.content.decode()
    assert Case.objects.count() == 2
    # Another address writes on.
    assert Client(REMOTE_ADDR="198.51.100.8").post("/mailbox/", letter(org)).status_code == 302


def test_a_district_office_counter_has_a_higher_allowance(org, mailbox_limits):
    counter = Client(REMOTE_ADDR="192.0.2.3")
    assert [counter.post("/mailbox/", letter(org)).status_code for _ in range(5)] == [302] * 4 + [429]


def test_behind_the_proxy_each_citizen_has_their_own_mailbox_allowance(org, mailbox_limits):
    def via_proxy(xff):
        return Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=xff).post("/mailbox/", letter(org))

    assert [via_proxy(f"6.6.6.{i}, 203.0.113.1").status_code for i in range(3)] == [302, 302, 429]
    assert via_proxy("203.0.113.2").status_code == 302
    # Through the proxy, a counter address is recognised by the address nginx appended.
    assert [via_proxy("192.0.2.3").status_code for _ in range(3)] == [302] * 3


def test_status_lookup_counts_failed_lookups_only(org):
    case, password = closed_case(org)
    c = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(12):  # a citizen checking on the case again and again is never refused
        assert c.post("/status/", {"number": case.number, "password": password}).status_code == 302


def test_failed_status_lookups_are_refused_with_the_wait(org, settings):
    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3}
    case, password = closed_case(org)
    c = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert c.post("/status/", {"number": case.number, "password": "nope"}).status_code == 400
    resp = c.post("/status/", {"number": case.number, "password": password})
    assert resp.status_code == 429
    assert 0 < int(resp["Retry-After"]) <= 900
    assert "請於 15 分鐘後再試" in resp.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.8").post("/status/", {"number": case.number, "password": password}).status_code == 302


def test_the_portal_and_the_api_share_one_lookup_counter(org, settings):
    from rest_framework.test import APIClient

    settings.CASESYS = {**settings.CASESYS, "TRACK_MAX_FAILURES": 3}
    case, password = closed_case(org)
    api = APIClient()
    for _ in range(3):
        r = api.post("/api/v1/track/", {"number": case.number, "password": "nope23456"}, format="json", REMOTE_ADDR="198.51.100.7")
        assert r.status_code == 404
    resp = Client(REMOTE_ADDR="198.51.100.7").post("/status/", {"number": case.number, "password": password})
    assert resp.status_code == 429


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
