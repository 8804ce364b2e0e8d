from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.cases.models import Case, State
from casesys.faq.services import faq_entry_create, faq_entry_transition
from tests.factories import new_case

NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


def published(org, *, category=None, question, answer, question_en="", answer_en="", now=NOW):
    entry = faq_entry_create(
        category=category or org.lights, question=question, answer=answer,
        question_en=question_en, answer_en=answer_en, by=org.intake, now=now,
    )
    return faq_entry_transition(entry=entry, name="publish", by=org.supervisor, now=now + dt.timedelta(hours=1))


def closed_case(org, *, category, subject, reply, closed_at, description="", petitioner=None):
    """A case answered and closed at `closed_at` (fictional petitioner)."""
    case, _ = new_case(
        org, category=category, subject=subject, description=description or f"{subject}，請盡快處理。",
        **({"petitioner": petitioner} if petitioner else {}),
    )
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=closed_at, reply=reply.format(number=case.number, subject=subject))
    case.refresh_from_db()
    return case


@pytest.fixture
def lights_faq(org):
    return published(
        org,
        question="路燈不亮要怎麼報修？",
        answer="請記下路燈桿號，撥打 1999 或寫信到首長信箱，一般故障於 3 個工作天內修復。",
        question_en="How do I report a street light that is out?",
        answer_en="Note the number on the lamp post and call 1999; ordinary faults are fixed within 3 working days.",
    )


@pytest.fixture
def now():
    return timezone.now()
