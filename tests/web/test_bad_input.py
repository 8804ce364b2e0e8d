"""The mailbox refuses what it cannot store with form errors, leaves no file behind when a
letter is refused, and attachments are never served without a permission check."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import clear_url_caches

from casesys.cases.models import Attachment, Case
from tests.factories import new_case
from tests.web.test_portal import letter

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "tw"  # 312 characters, valid syntax


def png(name: str = "lamp.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nxxxx", content_type="image/png")


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_mailbox_email_longer_than_its_column_is_a_form_error(org):
    response = Client().post("/mailbox/", letter(org, email=LONG_EMAIL))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["路燈" * 40 + ".png", "x" * 250 + ".png", "\U0001f4a1" * 50 + ".png", "a." + "p" * 90],
    ids=["chinese", "latin", "emoji", "long extension"],
)
def test_an_over_long_file_name_is_a_form_error_and_leaves_no_file(org, settings, name):
    for language, text in (("zh-hant", "檔名過長"), ("en", "File name too long")):
        c = Client(raise_request_exception=False)
        c.post("/i18n/setlang/", {"language": language, "next": "/mailbox/"})
        response = c.post("/mailbox/", {**letter(org), "attachments": [png(), png(name)]})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_attachments_error"' in html and text in html
        assert 'name="subject"' in html  # the form again, not a bare error page
        assert not Case.objects.exists() and not Attachment.objects.exists()
        assert media_files(settings) == []


@pytest.mark.parametrize(
    "extra",
    [
        {"privacy": ""},
        {"attachments": [png(), SimpleUploadedFile("run.exe", b"MZ..", content_type="application/x-msdownload")]},
    ],
    ids=["invalid form", "wrong type"],
)
def test_a_refused_letter_with_attachments_leaves_no_file(org, settings, extra):
    data = {**letter(org), "attachments": [png()], **extra}
    assert Client().post("/mailbox/", data).status_code == 400
    assert media_files(settings) == []


def test_a_too_large_attachment_leaves_no_file(org, settings):
    settings.CASESYS = {**settings.CASESYS, "ATTACHMENT_MAX_BYTES": 10}
    assert Client().post("/mailbox/", {**letter(org), "attachments": [png(), png("big.png")]}).status_code == 400
    assert media_files(settings) == []


def test_a_letter_failing_after_its_first_file_was_stored_leaves_no_file(org, settings, monkeypatch):
    real_save = FieldFile.save
    calls = []

    def flaky(self, name, content, save=True):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content, save)

    monkeypatch.setattr(FieldFile, "save", flaky)
    response = Client(raise_request_exception=False).post(
        "/mailbox/", {**letter(org), "attachments": [png("one.png"), png("two.png")]}
    )
    assert response.status_code == 500
    assert len(calls) == 2
    assert not Case.objects.exists()
    assert media_files(settings) == []


def test_attachments_are_not_served_from_media_url_even_in_debug(org, settings):
    case, _ = new_case(org)
    att = Attachment(case=case, original_name="lamp.png", content_type="image/png", size=12)
    att.file.save("lamp.png", png(), save=True)
    assert media_files(settings)

    import casesys.urls

    settings.DEBUG = True
    try:
        importlib.reload(casesys.urls)
        clear_url_caches()
        anonymous = Client()
        response = anonymous.get(att.file.url)
        assert att.file.url.startswith("/media/attachments/")
        assert response.status_code in (302, 404)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"PNG" not in body
        # The permission-checked download still works for staff who may see the case.
        staff = Client()
        staff.force_login(org.admin)
        download = staff.get(f"/desk/cases/{case.number}/attachments/{att.pk}/")
        assert download.status_code == 200
    finally:
        settings.DEBUG = False
        importlib.reload(casesys.urls)
        clear_url_caches()
