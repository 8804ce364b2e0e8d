"""`seed_demo` leaves a FAQ to look at: published entries on /faq/, a draft awaiting review
and proposals from the demo's closed cases; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from casesys.faq.models import DRAFT, PUBLISHED, FaqEntry, FaqProposal

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Taipei"))


def test_seed_demo_adds_faq_entries_and_proposals():
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", "--cases", "120")
        entries = FaqEntry.objects.count()
        proposals = list(FaqProposal.objects.values_list("question", "case_count", "answer"))
        call_command("seed_demo", "--cases", "0")
    assert FaqEntry.objects.filter(status=PUBLISHED).count() == 6
    assert FaqEntry.objects.filter(status=DRAFT).count() == 1 and FaqEntry.objects.count() == entries
    page = Client().get("/faq/").content.decode()
    assert "路燈不亮或閃爍，要怎麼報修？" in page and "最後檢視" in page
    assert proposals, "the demo's closed cases propose at least one draft"
    for question, count, answer in proposals:
        assert count >= 4 and question and answer
        assert "CS-" not in answer
