"""補充陳情: a citizen adds text and files to an open case from the status page."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casesys.cases import services
from casesys.cases.citizen_links import status_link
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Attachment, CaseEvent, CaseMessage
from casesys.common import limits
from casesys.notifications.models import Notification
from tests.factories import new_case
from tests.web.test_survey import closed_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nxxxx", content_type="image/png")


def _citizen(case) -> Client:
    c = Client()
    assert c.get(re.sub(r"^https?://[^/]+", "", status_link(case))).status_code == 302
    return c


def _assigned_case(org):
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    case.refresh_from_db()
    return case


def test_the_open_case_shows_the_form_and_takes_text_and_a_file(org):
    case = _assigned_case(org)
    c = _citizen(case)
    page = c.get(f"/status/{case.number}/").content.decode()
    assert 'id="supplement-form"' in page
    resp = c.post(f"/status/{case.number}/supplement/", {"text": "坑洞又變大了，附上照片。", "attachments": [_png()]})
    assert resp.status_code == 302 and resp["Location"] == f"/status/{case.number}/"
    message = CaseMessage.objects.get(case=case, kind="supplement")
    assert message.direction == CaseMessage.Direction.INBOUND and message.text == "坑洞又變大了，附上照片。"
    att = Attachment.objects.get(case=case, original_name="photo.png")
    assert att.source_message == message
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.CITIZEN_SUPPLEMENT)
    assert "坑洞又變大了" in event.note and "photo.png" in event.note and event.public
    # The citizen sees it on the timeline; the handling officer is told.
    assert "您已補充陳情資料" in c.get(f"/status/{case.number}/").content.decode()
    [row] = Notification.objects.filter(template="staff_case_supplement")
    assert row.recipient_user == org.officer and row.case == case


def test_an_unassigned_case_tells_the_departments_officers(org):
    case, _ = new_case(org, category=org.pothole)  # dispatched to 道路養護科 by its category
    case.refresh_from_db()
    assert case.assignee is None and case.department == org.road
    c = _citizen(case)
    assert c.post(f"/status/{case.number}/supplement/", {"text": "補充地點：7-11 前"}).status_code == 302
    rows = Notification.objects.filter(template="staff_case_supplement")
    assert [r.recipient_user for r in rows] == [org.officer]


def test_the_officer_sees_it_on_the_case_page(org, client_for):
    case = _assigned_case(org)
    _citizen(case).post(f"/status/{case.number}/supplement/", {"text": "補充：晚上更危險", "attachments": [_png("night.png")]})
    page = client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode()
    assert "民眾補充陳情" in page and "補充：晚上更危險" in page and "night.png" in page


def test_empty_and_bad_files_are_form_errors_and_the_files_are_named_again(org):
    case = _assigned_case(org)
    c = _citizen(case)
    resp = c.post(f"/status/{case.number}/supplement/", {"text": ""})
    assert resp.status_code == 400 and "請填寫補充內容或選擇附件" in resp.content.decode()
    exe = SimpleUploadedFile("run.exe", b"MZ..", content_type="application/x-msdownload")
    resp = c.post(f"/status/{case.number}/supplement/", {"text": "看附件", "attachments": [exe]})
    html = resp.content.decode()
    assert resp.status_code == 400 and "不接受的檔案類型" in html
    assert 'id="dropped-files"' in html and "run.exe" in html
    assert "看附件" in html  # the text is kept
    assert not CaseMessage.objects.filter(case=case).exists() and not Attachment.objects.filter(case=case).exists()


def test_a_closed_case_has_no_form_and_refuses_a_post(org):
    case, _ = closed_case(org)
    c = _citizen(case)
    assert 'id="supplement-form"' not in c.get(f"/status/{case.number}/").content.decode()
    resp = c.post(f"/status/{case.number}/supplement/", {"text": "還有一件事"})
    assert resp.status_code == 409 and "此案件已結案" in resp.content.decode()
    assert not CaseMessage.objects.filter(case=case).exists()


def test_a_case_this_browser_has_not_opened_is_not_found(org):
    case = _assigned_case(org)
    resp = Client().post(f"/status/{case.number}/supplement/", {"text": "x"})
    assert resp.status_code == 404
    assert not CaseMessage.objects.exists()


def test_additions_are_rate_limited_per_case(org, monkeypatch):
    monkeypatch.setattr(limits, "SUPPLEMENT_PER_CASE_PER_DAY", 2)
    case = _assigned_case(org)
    c = _citizen(case)
    for i in range(2):
        assert c.post(f"/status/{case.number}/supplement/", {"text": f"補充 {i}"}).status_code == 302
    resp = c.post(f"/status/{case.number}/supplement/", {"text": "第三次"})
    assert resp.status_code == 429 and "Retry-After" in resp and "補充次數過多" in resp.content.decode()
    assert CaseMessage.objects.filter(case=case).count() == 2


def test_the_english_page_is_english_only(org):
    case = _assigned_case(org)
    c = _citizen(case)
    c.cookies["django_language"] = "en"
    resp = c.post(f"/status/{case.number}/supplement/", {"text": ""})
    html = resp.content.decode()
    assert "Write something or choose a file" in html and "請填寫補充內容" not in html
