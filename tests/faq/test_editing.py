"""The staff side: an editor writes a draft, a reviewer publishes it (never their own edit),
an edit of a published entry goes back to review, every step is on the entry's history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from casesys.faq.models import DRAFT, PUBLISHED, FaqEntry, FaqEvent
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

FORM = {
    "question": "垃圾車幾點會來？",
    "answer": "各路線收運時間請查詢清潔隊公告，或撥打 1999 詢問。",
    "question_en": "",
    "answer_en": "",
}


def test_editor_writes_a_draft_and_a_supervisor_publishes_it(org, client_for):
    editor = client_for(org.intake)
    assert editor.get("/desk/faq/").status_code == 200
    resp = editor.post("/desk/faq/new/", {**FORM, "category": org.mailbox.pk})
    entry = FaqEntry.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/desk/faq/{entry.pk}/"
    page = editor.get(f"/desk/faq/{entry.pk}/").content.decode()
    assert "草稿" in page and "已儲存草稿，待審核發布。" in page
    # An editor has no publish button, and a POST is refused.
    assert 'id="btn-publish"' not in page
    assert editor.post(f"/desk/faq/{entry.pk}/publish/").status_code == 403
    assert "垃圾車幾點會來" not in Client().get("/faq/").content.decode()

    reviewer = client_for(org.supervisor)
    listing = reviewer.get("/desk/faq/?status=draft").content.decode()
    assert "垃圾車幾點會來？" in listing
    assert 'id="btn-publish"' in reviewer.get(f"/desk/faq/{entry.pk}/").content.decode()
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC), tick=False):
        resp = reviewer.post(f"/desk/faq/{entry.pk}/publish/", {"version": entry.version})
    assert resp.status_code == 302
    entry.refresh_from_db()
    assert entry.status == PUBLISHED and entry.reviewed_by == org.supervisor
    public = Client().get("/faq/").content.decode()
    assert "垃圾車幾點會來？" in public and "2026-03-02" in public

    # Months later the reviewer confirms it is still right: a new review date.
    with time_machine.travel(dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        reviewer.post(f"/desk/faq/{entry.pk}/review/")
    assert "2026-09-01" in Client().get(f"/faq/{entry.pk}/").content.decode()
    kinds = list(FaqEvent.objects.filter(entry=entry).order_by("pk").values_list("kind", "by__username"))
    assert kinds == [("created", "intake"), ("published", "supervisor"), ("reviewed", "supervisor")]
    history = reviewer.get(f"/desk/faq/{entry.pk}/").content.decode()
    assert "審核發布" in history and "檢視確認" in history


def test_an_edit_of_a_published_entry_waits_for_review_again(org, client_for, lights_faq):
    editor = client_for(org.intake)
    resp = editor.post(
        f"/desk/faq/{lights_faq.pk}/",
        {"category": org.lights.pk, "question": lights_faq.question, "answer": "新的答案：請撥 1999。",
         "question_en": lights_faq.question_en, "answer_en": lights_faq.answer_en, "version": lights_faq.version},
    )
    assert resp.status_code == 302
    lights_faq.refresh_from_db()
    assert lights_faq.status == DRAFT
    assert Client().get(f"/faq/{lights_faq.pk}/").status_code == 404
    event = FaqEvent.objects.filter(entry=lights_faq, kind="edited").get()
    assert event.changed == ["answer"] and event.by == org.intake
    # A stale form (an old version) is refused with a message, nothing saved.
    stale = editor.post(
        f"/desk/faq/{lights_faq.pk}/",
        {"category": org.lights.pk, "question": "改", "answer": "改", "version": lights_faq.version - 1},
    )
    assert stale.status_code == 409 and "已被他人更新" in stale.content.decode()


def test_four_eyes_a_reviewer_does_not_publish_their_own_edit(org, client_for):
    sup = client_for(org.supervisor)
    sup.post("/desk/faq/new/", {**FORM, "category": org.mailbox.pk})
    entry = FaqEntry.objects.get()
    page = sup.get(f"/desk/faq/{entry.pk}/").content.decode()
    assert 'id="btn-publish"' not in page and "須由另一位審核者發布" in page
    resp = sup.post(f"/desk/faq/{entry.pk}/publish/")
    assert resp.status_code == 403 and "不可審核自己最後編輯的內容" in resp.content.decode()
    assert client_for(org.supervisor_epb).post(f"/desk/faq/{entry.pk}/publish/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == PUBLISHED


def test_who_may_use_the_faq_desk(org, client_for, lights_faq):
    # Officers use published entries as reply templates but do not edit them.
    assert client_for(org.officer).get("/desk/faq/").status_code == 403
    assert client_for(org.officer).post("/desk/faq/new/", {**FORM, "category": org.mailbox.pk}).status_code == 403
    assert "常見問題管理" not in client_for(org.officer).get("/desk/queue/").content.decode()
    assert "常見問題管理" in client_for(org.analyst).get("/desk/faq/").content.decode()
    # The permission grants what the role does not: an officer made a reviewer.
    reviewer = make_staff("faq_reviewer", org.road, ["officer"])
    reviewer.user_permissions.add(Permission.objects.get(codename="publish_faq"))
    c = client_for(reviewer)
    assert c.post(f"/desk/faq/{lights_faq.pk}/unpublish/").status_code == 302
    lights_faq.refresh_from_db()
    assert lights_faq.status == DRAFT
    assert Client().get("/desk/faq/").status_code == 302  # anonymous: to the log-in


def test_bad_input_is_a_form_error(org, client_for):
    c = client_for(org.intake)
    resp = c.post("/desk/faq/new/", {"category": org.mailbox.pk, "question": "", "answer": "x", "question_en": "Q only"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "id_question_error" in html
    # The English question without its answer: the service's error, next to the field.
    resp = c.post("/desk/faq/new/", {"category": org.mailbox.pk, "question": "q", "answer": "a", "question_en": "Q only"})
    assert resp.status_code == 400 and "id_answer_en_error" in resp.content.decode()
    assert "英文問題與答案須一併填寫" in resp.content.decode()
    assert c.post("/desk/faq/new/", {"category": "abc", "question": "q", "answer": "a"}).status_code == 400
    assert FaqEntry.objects.count() == 0
    assert c.post("/desk/faq/999/publish/").status_code == 404
    assert c.get("/desk/faq/999/").status_code == 404
