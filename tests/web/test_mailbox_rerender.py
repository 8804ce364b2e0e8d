"""The mailbox shown again after an error keeps what was typed and names the files to choose again."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casesys.cases.models import Case
from tests.web.test_portal import letter

pytestmark = pytest.mark.django_db


class _Fields(HTMLParser):
    """The form's controls by id: attributes, the selected option, a textarea's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.selected: dict[str, str] = {}
        self.text: dict[str, str] = {}
        self._select = self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.attrs[a["id"]] = a
        if tag == "select":
            self._select = a.get("id")
        elif tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("id")
            self.text[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.text[self._textarea] += data


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nxxxx", content_type="image/png")


def test_every_field_is_kept_after_an_error(org):
    data = letter(org, subject="人行道破損", email="bad-address", confidential="on", privacy="on")
    resp = Client().post("/mailbox/", data)
    assert resp.status_code == 400
    f = _Fields(resp.content.decode())
    assert f.selected["id_category"] == str(org.mailbox.pk)
    assert f.attrs["id_subject"]["value"] == "人行道破損"
    assert f.text["id_description"].strip() == "巷口路燈不亮"
    assert f.attrs["id_address"]["value"] == "中山區中山路二段10號"
    assert f.selected["id_district"] == "中山區"
    assert f.attrs["id_name"]["value"] == "王小明"
    assert f.attrs["id_phone"]["value"] == "0912345678"
    assert f.attrs["id_email"]["value"] == "bad-address"
    assert "checked" in f.attrs["id_confidential"]
    assert "checked" in f.attrs["id_privacy"]
    assert "id_email_error" in f.attrs
    assert Case.objects.count() == 0


def test_the_files_to_choose_again_are_named_next_to_the_file_field(org):
    resp = Client().post("/mailbox/", {**letter(org, privacy=""), "attachments": [_png("lamp.png"), _png("pole.png")]})
    assert resp.status_code == 400
    html = resp.content.decode()
    start = html.index('id="dropped-files"')
    notice = html[start : html.index("</div>", start)]
    assert "請重新選擇" in notice and "<li>lamp.png</li><li>pole.png</li>" in notice
    # Right after the file field, before the next field.
    assert html.index('id="id_attachments"') < start < html.index('id="id_address"')


def test_no_notice_without_files_or_on_the_first_visit(org):
    assert 'id="dropped-files"' not in Client().get("/mailbox/").content.decode()
    resp = Client().post("/mailbox/", letter(org, privacy=""))
    assert 'id="dropped-files"' not in resp.content.decode()


def test_the_english_notice(org):
    c = Client()
    c.cookies["django_language"] = "en"
    resp = c.post("/mailbox/", {**letter(org, privacy=""), "attachments": [_png("lamp.png")]})
    html = resp.content.decode()
    assert "please choose these attachments again" in html and "請重新選擇" not in html
