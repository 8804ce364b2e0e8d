"""Internal notes on the desk's case page: only staff who may act on the case add them."""

from __future__ import annotations

import pytest

from casesys.cases.events import CaseEventKind
from casesys.cases.models import CaseEvent
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def test_analyst_cannot_post_a_note(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    resp = client_for(org.analyst).post(f"/desk/cases/{case.number}/notes/", {"text": "研考意見"})
    assert resp.status_code == 403
    assert "研考意見" not in resp.content.decode()
    assert not case.notes.exists()
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.NOTE_ADDED).exists()


def test_analyst_is_not_offered_the_note_form_but_reads_the_notes(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    client_for(org.officer).post(f"/desk/cases/{case.number}/notes/", {"text": "已會勘現場"})
    html = client_for(org.analyst).get(f"/desk/cases/{case.number}/").content.decode()
    assert "已會勘現場" in html
    assert f"/desk/cases/{case.number}/notes/" not in html and "新增註記" not in html


def test_officer_posts_a_note_and_it_is_audited(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    c = client_for(org.officer)
    assert "新增註記" in c.get(f"/desk/cases/{case.number}/").content.decode()
    resp = c.post(f"/desk/cases/{case.number}/notes/", {"text": "已會勘現場"})
    assert resp.status_code == 302
    assert list(case.notes.values_list("text", flat=True)) == ["已會勘現場"]
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.NOTE_ADDED)
    assert event.actor == org.officer and not event.public
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert "已會勘現場" in html and "新增內部註記" in html  # the note and its timeline entry


def test_intake_sees_a_case_it_registered_but_may_not_note_it_once_dispatched(org, client_for):
    case, _ = new_case(org, category=org.pothole, by=org.intake)  # routed to the road section at once
    c = client_for(org.intake)
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert case.number in html and "新增註記" not in html
    assert c.post(f"/desk/cases/{case.number}/notes/", {"text": "補充"}).status_code == 403
    # Staff of another subtree do not even see it.
    assert client_for(org.supervisor_epb).post(f"/desk/cases/{case.number}/notes/", {"text": "x"}).status_code == 404
    assert not case.notes.exists()
