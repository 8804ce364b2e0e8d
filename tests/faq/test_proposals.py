"""Drafts proposed from the agency's frequent closed cases: grouped by category and similar
subject, the most common approved reply as the answer with personal data masked; the editor
sees the count and sample case numbers, accepts (a draft) or discards (never proposed again)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from casesys.faq.models import DRAFT, FaqEntry, FaqEvent, FaqProposal
from casesys.faq.proposals import faq_proposals_refresh
from casesys.faq.tasks import propose_faq_entries
from tests.faq.conftest import NOW, closed_case, published

pytestmark = pytest.mark.django_db

REPLY = (
    "{name}您好：有關您反映「{subject}」（案號 {number}）一案，本處已派員更換燈具及安定器，目前已恢復正常照明。"
    "日後如再發現路燈故障，歡迎撥打1999反映。"
)
OTHER_REPLY = "{name}您好：經查該路燈屬台電公司管有，已函請台電處理。"
LIGHTS = [
    ("中山北路二段路燈不亮", "陳美玲", "0921-000-101"),
    ("民生東路三段路燈不亮", "林志豪", "0921-000-102"),
    ("松江路巷口路燈不亮好幾天", "黃淑芬", "0921-000-103"),
    ("南京東路路燈整晚不亮", "張家瑋", "0921-000-104"),
    ("復興北路路燈不亮很危險", "李宗翰", "0921-000-105"),
]


def lights_cases(org, *, base=NOW, replies=None):
    cases = []
    for i, (subject, name, phone) in enumerate(LIGHTS):
        reply = (replies or [REPLY] * 4 + [OTHER_REPLY])[i]
        cases.append(closed_case(
            org, category=org.lights, subject=subject,
            reply=reply.replace("{name}", f"{name}小姐" if i % 2 else f"{name}先生"),
            closed_at=base - dt.timedelta(days=10 + i), petitioner={"name": name, "phone": phone},
        ))
    return cases


def test_a_group_of_closed_cases_becomes_a_proposal_with_the_most_common_reply(org, client_for):
    cases = lights_cases(org)
    # Too few for a group of their own, too old, or about something else.
    for i, subject in enumerate(["中山路坑洞", "民權東路坑洞很深", "八德路路面坑洞"]):
        closed_case(org, category=org.pothole, subject=subject, reply="已修補。", closed_at=NOW - dt.timedelta(days=5 + i))
    for i in range(3):
        closed_case(org, category=org.lights, subject=f"長安東路路燈不亮{i}", reply=REPLY.replace("{name}", ""),
                    closed_at=NOW - dt.timedelta(days=300 + i))
    closed_case(org, category=org.lights, subject="公園溜滑梯破損", reply="已修繕。", closed_at=NOW - dt.timedelta(days=3))

    result = faq_proposals_refresh(now=NOW)
    assert result.created == 1
    p = FaqProposal.objects.get()
    assert p.category == org.lights and p.case_count == 5 and p.reply_count == 4
    assert p.sample_numbers == [c.number for c in cases]  # the newest first
    assert p.question in {s for s, _, _ in LIGHTS}
    assert p.answer.startswith("您好：有關您反映「") and "本處已派員更換燈具及安定器" in p.answer
    # No case number, petitioner name or phone in the draft answer.
    for c in cases:
        assert c.number not in p.answer and "案號" not in p.answer
    for _, name, phone in LIGHTS:
        assert name not in p.answer and name not in p.question and phone not in p.answer

    page = client_for(org.intake).get("/desk/faq/proposals/").content.decode()
    assert p.question in page and "5 件案件，其中 4 件為此答復" in page
    assert all(c.number in page for c in cases)
    # Officers do not see proposals.
    assert client_for(org.officer).get("/desk/faq/proposals/").status_code == 403


def test_accept_makes_a_draft_and_the_group_is_not_proposed_again(org, client_for):
    lights_cases(org)
    faq_proposals_refresh(now=NOW)
    p = FaqProposal.objects.get()
    resp = client_for(org.intake).post(f"/desk/faq/proposals/{p.pk}/accept/")
    entry = FaqEntry.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/desk/faq/{entry.pk}/"
    assert entry.status == DRAFT and entry.question == p.question and entry.answer == p.answer
    event = FaqEvent.objects.get(entry=entry)
    assert event.kind == "proposal_accepted" and p.sample_numbers[0] in event.note
    edit = client_for(org.intake).get(f"/desk/faq/{entry.pk}/").content.decode()
    assert "由案件建議產生" in edit and p.sample_numbers[0] in edit
    # A second decision on the same proposal: a message, nothing changes.
    again = client_for(org.intake).post(f"/desk/faq/proposals/{p.pk}/discard/", follow=True)
    assert "此建議已處理" in again.content.decode()
    # More cases of the same kind later: the accepted group is not proposed again.
    later = NOW + dt.timedelta(days=20)
    lights_cases(org, base=later)
    assert faq_proposals_refresh(now=later).created == 0
    assert FaqProposal.objects.count() == 1


def test_discarded_proposals_stay_discarded(org, client_for):
    lights_cases(org)
    faq_proposals_refresh(now=NOW)
    p = FaqProposal.objects.get()
    resp = client_for(org.analyst).post(f"/desk/faq/proposals/{p.pk}/discard/", follow=True)
    assert "不會再次提出" in resp.content.decode()
    p.refresh_from_db()
    assert p.status == FaqProposal.Status.DISCARDED and p.decided_by == org.analyst
    assert faq_proposals_refresh(now=NOW + dt.timedelta(days=1)).created == 0
    assert FaqProposal.objects.count() == 1 and not FaqEntry.objects.exists()
    assert p.question not in client_for(org.intake).get("/desk/faq/proposals/").content.decode()
    assert client_for(org.officer).post(f"/desk/faq/proposals/{p.pk}/accept/").status_code == 403


def test_a_question_already_answered_is_not_proposed(org):
    published(org, question="路燈不亮要怎麼報修？", answer="請撥打 1999。")
    lights_cases(org)
    result = faq_proposals_refresh(now=NOW)
    assert result.created == 0 and result.skipped == 1


def test_the_command_and_the_nightly_task(org):
    from workers.schedule import DEFAULT_SCHEDULE

    assert any(e["task"] == "casesys.faq.tasks.propose_faq_entries" for e in DEFAULT_SCHEDULE)
    lights_cases(org)
    with time_machine.travel(NOW, tick=False):
        assert propose_faq_entries() == {"created": 1, "refreshed": 0, "skipped": 0, "groups": 1}
        call_command("faq_propose", "--months", "1")
    p = FaqProposal.objects.get()
    assert p.status == FaqProposal.Status.OPEN and p.case_count == 5
    # Only the last month: the same group still, refreshed.
    assert p.refreshed_at == NOW
