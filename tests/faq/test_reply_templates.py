"""Published FAQ entries serve officers as reply templates: the case page's picker lists those
of the case's category beside the reply templates, and picking one fills the reply with its
answer (in English for a petitioner who wrote in English, when the entry has it)."""

from __future__ import annotations

import pytest

from casesys.cases import services
from casesys.faq.services import faq_entry_create
from casesys.web.models import ReplyTemplate
from tests.factories import new_case
from tests.faq.conftest import published

pytestmark = pytest.mark.django_db


def test_the_picker_offers_published_entries_of_the_case_category(org, client_for, lights_faq):
    faq_entry_create(category=org.lights, question="路燈草稿", answer="草稿", by=org.intake)
    pothole = published(org, category=org.pothole, question="道路坑洞多久會修補？", answer="24 小時內修補。")
    ReplyTemplate.objects.create(category=org.lights, title="路燈已修復", body="案號 {number} 已修復。")
    case, _ = new_case(org, category=org.lights)
    services.case_accept(case=case, by=org.officer_light)
    c = client_for(org.officer_light)
    page = c.get(f"/desk/cases/{case.number}/").content.decode()
    picker = page.split('id="id_submit_reply-template"')[1].split("</select>")[0]
    assert ">路燈已修復</option>" in picker
    assert f'<option value="faq-{lights_faq.pk}">常見問題：路燈不亮要怎麼報修？</option>' in picker
    assert "路燈草稿" not in picker and pothole.question not in picker

    filled = c.get(
        f"/desk/cases/{case.number}/reply-template/", {"submit_reply-template": f"faq-{lights_faq.pk}"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "一般故障於 3 個工作天內修復" in filled
    # Another category's entry, or nonsense, fills nothing.
    for value in (f"faq-{pothole.pk}", "faq-x", "faq-", "nope"):
        html = c.get(f"/desk/cases/{case.number}/reply-template/", {"submit_reply-template": value}).content.decode()
        assert "24 小時內修補" not in html and "3 個工作天" not in html

    # The reply is then submitted like any other.
    case.refresh_from_db()
    resp = c.post(f"/desk/cases/{case.number}/actions/submit_reply/",
                  {"submit_reply-reply": lights_faq.answer, "submit_reply-version": case.version})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "pending_approval" and case.reply == lights_faq.answer


def test_an_english_petitioner_gets_the_english_answer(org, client_for, lights_faq):
    case, _ = new_case(org, category=org.lights, language="en", subject="Street light out")
    services.case_accept(case=case, by=org.officer_light)
    html = client_for(org.officer_light).get(
        f"/desk/cases/{case.number}/reply-template/", {"submit_reply-template": f"faq-{lights_faq.pk}"}
    ).content.decode()
    assert "ordinary faults are fixed within 3 working days" in html
