"""The FAQ's pages speak one language at a time: in English no Chinese left (the data here is
English), in Chinese no "中文 / English" pair."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from casesys.faq.models import FaqProposal
from casesys.faq.services import faq_entry_create, faq_entry_transition, mailbox_faq_viewed

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PAIR = re.compile(r"[\u4e00-\u9fff][^\n<]{0,80} / [A-Za-z]")
T0 = dt.datetime(2026, 4, 7, 2, 0, tzinfo=dt.UTC)


def main_of(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


@pytest.fixture
def world(org):
    for user, name in ((org.intake, "Ivy"), (org.supervisor, "Sam"), (org.analyst, "Ann")):
        user.first_name = name
        user.save()
    for cat, en in ((org.mailbox, "Mayor's mailbox"), (org.pothole, "Potholes"), (org.lights, "Street lights")):
        cat.name_en = en
        cat.save()
    entry = faq_entry_create(
        category=org.lights, question="Street light out", answer="Call 1999.", question_en="Street light out?",
        answer_en="Call 1999 with the lamp post number.", by=org.intake, now=T0,
    )
    faq_entry_transition(entry=entry, name="publish", by=org.supervisor, now=T0)
    draft = faq_entry_create(category=org.pothole, question="Pothole", answer="Patched in 24 hours.", by=org.intake, now=T0)
    FaqProposal.objects.create(
        category=org.lights, question="Lamp out on Main Street", answer="The lamp was replaced.", case_count=6,
        reply_count=4, sample_numbers=["CS-1150301-00001", "CS-1150302-00002"], bigrams=["la", "am"],
        created_at=T0, refreshed_at=T0,
    )
    mailbox_faq_viewed(key="k1", entry=entry, now=T0)
    return entry, draft


def pages(entry, draft) -> list[tuple[str, str]]:
    return [
        ("supervisor", "/desk/faq/"),
        ("supervisor", f"/desk/faq/{draft.pk}/"),
        ("intake", f"/desk/faq/{entry.pk}/"),
        ("intake", "/desk/faq/new/"),
        ("intake", "/desk/faq/proposals/"),
        ("analyst", "/reports/faq/?start=2026-04-01&end=2026-04-30"),
        ("", "/faq/"),
        ("", f"/faq/{entry.pk}/"),
    ]


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_faq_pages_in_one_language(org, world, client_for, lang):
    from django.test import Client

    users = {"supervisor": org.supervisor, "intake": org.intake, "analyst": org.analyst}
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        for who, url in pages(*world):
            c = client_for(users[who]) if who else Client()
            c.cookies["django_language"] = lang
            resp = c.get(url)
            assert resp.status_code == 200, url
            text = main_of(resp.content.decode())
            if lang == "en":
                assert not CJK.search(text), (url, CJK.findall(text)[:10], text[:3000])
            else:
                assert not PAIR.search(text), (url, PAIR.search(text).group(0))
