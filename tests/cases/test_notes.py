"""Internal notes: a service with a role check and an audit event (not on the citizen's timeline)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.models import CaseEvent
from casesys.cases.notes import can_add_note, case_add_note
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def test_officer_of_the_department_adds_a_note_with_an_internal_audit_event(org):
    case, _ = new_case(org, category=org.pothole)  # routed to the road section
    note = case_add_note(case=case, text="  已電話聯絡里長  ", by=org.officer)
    assert note.text == "已電話聯絡里長" and note.author == org.officer
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.NOTE_ADDED)
    assert event.actor == org.officer and not event.public and event.public_text == ""
    assert event.changes == {"note": note.pk}


def test_analyst_may_not_add_a_note(org):
    case, _ = new_case(org, category=org.pothole)
    with pytest.raises(TransitionPermissionDenied):
        case_add_note(case=case, text="研考意見", by=org.analyst)
    assert not case.notes.exists()
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.NOTE_ADDED).exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", True),  # officer of the case's department
        ("supervisor", True),  # supervisor of the subtree (工務局 over 道路養護科)
        ("admin", True),
        ("analyst", False),  # read-only
        ("officer_light", False),  # officer of a sibling section
        ("supervisor_epb", False),  # supervisor of another subtree
        ("intake", False),  # the case is dispatched: no longer intake's
    ],
)
def test_who_may_add_a_note_to_a_dispatched_case(org, who, allowed):
    case, _ = new_case(org, category=org.pothole)
    assert case.department_id == org.road.pk
    assert can_add_note(case, getattr(org, who)) is allowed


def test_intake_may_add_a_note_while_the_case_is_undispatched(org):
    case, _ = new_case(org)  # the mailbox category has no department: waits for intake
    assert case.department_id is None
    case_add_note(case=case, text="來電補充地址", by=org.intake)
    assert case.notes.count() == 1
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    assert not can_add_note(case, org.intake)


def test_assigned_officer_of_a_section_below_the_department_may_add_a_note(org):
    case, _ = new_case(org)
    services.case_dispatch(case=case, department=org.pwd, by=org.intake)
    assert not can_add_note(case, org.officer)  # 道路養護科 is below 工務局, not 工務局 itself
    services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
    assert can_add_note(case, org.officer)


def test_an_empty_note_is_a_field_error_and_writes_nothing(org):
    case, _ = new_case(org, category=org.pothole)
    with pytest.raises(ValidationError) as err:
        case_add_note(case=case, text="   ", by=org.officer)
    assert "text" in err.value.message_dict
    assert not case.notes.exists() and not CaseEvent.objects.filter(kind=CaseEventKind.NOTE_ADDED).exists()
