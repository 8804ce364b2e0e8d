"""Co-handling (主辦 / 協辦) through its services: deadlines, the part workflow, four eyes,
returns ("not ours"), and the case waiting for its parts."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from casesys.cases import services
from casesys.cases.exceptions import TransitionNotPermittedNow, TransitionPermissionDenied
from casesys.cases.models import SlaUnit, State, Urgency
from casesys.cases.selectors import case_public_timeline, cases_visible_to
from casesys.cohandling import services as parts
from casesys.cohandling.models import CasePart, PartState
from tests.cohandling.helpers import MONDAY, co_handled, eod
from tests.factories import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_a_co_handled_case_gets_ten_working_days_and_its_part_three_fewer(org):
    case, _ = co_handled(org)
    assert (case.sla_unit, case.sla_value) == (SlaUnit.WORKING_DAYS, 10)
    assert case.due_at == eod(16)
    part = case.parts.get()
    assert part.department == org.clean and part.state == PartState.REQUESTED
    assert part.due_at == eod(11)
    assert part.request_note == "請協助清運路面廢棄物"


def test_the_citizen_timeline_names_the_departments_never_the_staff(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    parts.part_submit_reply(part=part, reply="已清運完畢。", by=org.officer_clean)
    parts.part_approve(part=part, by=org.supervisor_epb)
    texts = [e.public_text for e in case_public_timeline(case)]
    assert "會同 清潔科 協同辦理 / 清潔科 co-handling the case" in texts
    assert "多單位協同辦理，處理期限調整為 2026-03-16 / Handled by several departments: deadline now 2026-03-16" in texts
    assert "清潔科 已完成協辦 / 清潔科 has completed its part" in texts
    for name in (org.officer_clean.first_name, org.supervisor_epb.first_name, org.officer.first_name):
        assert all(name not in t for t in texts)


def test_a_stricter_urgency_still_wins_over_the_multi_department_allowance(org):
    urgent = Urgency.objects.get(code="urgent")  # 速件: 3 working days
    case, _ = co_handled(org, urgency=urgent)
    assert (case.sla_unit, case.sla_value) == (SlaUnit.WORKING_DAYS, 3)
    assert case.due_at == eod(5)
    assert case.parts.get().due_at == eod(2)  # 3 working days before would be the past: today


def test_an_hour_deadline_stays_when_departments_join(org):
    case, _ = new_case(org, category=org.pothole)  # routed to the road section, 24 hours
    due = case.due_at
    parts.case_add_co_handlers(case=case, departments=[org.clean], by=org.supervisor)
    case.refresh_from_db()
    assert (case.sla_unit, case.sla_value, case.due_at) == (SlaUnit.HOURS, 24, due)
    # The part gets what there is: never after the case's own deadline.
    assert case.parts.get().due_at <= due


def test_the_allowance_and_the_part_lead_time_are_settings(org, settings):
    settings.CASESYS = {**settings.CASESYS, "MULTI_DEPARTMENT_WORKING_DAYS": 8, "PART_DAYS_BEFORE_DUE": 1}
    case, _ = co_handled(org)
    assert case.due_at == eod(12)
    assert case.parts.get().due_at == eod(11)


def test_a_part_runs_accept_reply_approve_inside_the_co_handling_department(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    parts.part_submit_reply(part=part, reply="本局已於今日清運完畢。", by=org.officer_clean)
    parts.part_approve(part=part, by=org.supervisor_epb)
    part.refresh_from_db()
    assert part.state == PartState.DONE and part.on_time is True
    assert part.officer == org.officer_clean and part.approved_by == org.supervisor_epb


def test_the_case_cannot_be_answered_until_every_part_is_done_or_released(org):
    case, _ = co_handled(org, departments=[org.clean, org.light])
    with pytest.raises(TransitionNotPermittedNow) as exc:
        services.case_submit_reply(case=case, reply="綜合答復", by=org.officer)
    assert "協辦單位尚未全部完成" in exc.value.message
    clean, light = case.parts.order_by("department__code")
    clean, light = (clean, light) if clean.department == org.clean else (light, clean)
    parts.part_accept(part=clean, by=org.officer_clean)
    parts.part_submit_reply(part=clean, reply="已清運。", by=org.officer_clean)
    parts.part_approve(part=clean, by=org.supervisor_epb)
    parts.part_return_to_lead(part=light, reason="路燈非本案範圍", by=org.officer_light)
    case.refresh_from_db()
    with pytest.raises(TransitionNotPermittedNow):
        services.case_submit_reply(case=case, reply="綜合答復", by=org.officer)
    # The lead's supervisor decides the return: released.
    parts.part_decide_return(part=light, release=True, note="同意", by=org.supervisor)
    services.case_submit_reply(case=case, reply="綜合答復：已清運。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    assert case.state == State.CLOSED


def test_approving_a_case_with_an_open_part_is_refused_even_if_the_reply_was_submitted(org):
    case, _ = co_handled(org)
    # The part is added after the reply went up: the approval waits for it too.
    CasePart.objects.filter(case=case).update(state=PartState.DONE)
    services.case_submit_reply(case=case, reply="綜合答復", by=org.officer)
    CasePart.objects.filter(case=case).update(state=PartState.IN_PROGRESS)
    case.refresh_from_db()
    with pytest.raises(TransitionNotPermittedNow) as exc:
        services.case_approve(case=case, by=org.supervisor)
    assert "Every co-handling part must be done or released" in exc.value.message


def test_nobody_approves_the_part_reply_they_drafted(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.supervisor_epb)
    parts.part_submit_reply(part=part, reply="已清運。", by=org.supervisor_epb)
    with pytest.raises(TransitionPermissionDenied) as exc:
        parts.part_approve(part=part, by=org.supervisor_epb)
    assert "不可核定自己擬辦的協辦答復" in exc.value.message


def test_four_eyes_can_be_turned_off_for_one_person_offices(org, settings):
    settings.CASESYS = {**settings.CASESYS, "FOUR_EYES": False}
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.supervisor_epb)
    parts.part_submit_reply(part=part, reply="已清運。", by=org.supervisor_epb)
    parts.part_approve(part=part, by=org.supervisor_epb)
    assert part.state == PartState.DONE


@pytest.mark.parametrize("who", ["officer", "officer_light", "supervisor", "intake", "analyst"])
def test_only_the_co_handling_department_works_its_part(org, who):
    case, _ = co_handled(org)
    part = case.parts.get()
    with pytest.raises(TransitionPermissionDenied):
        parts.part_accept(part=part, by=getattr(org, who))


def test_the_supervisor_of_the_co_handling_department_assigns_its_officer(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    with pytest.raises(ValidationError) as exc:
        parts.part_assign(part=part, officer=org.officer, by=org.supervisor_epb)
    assert "officer" in exc.value.message_dict
    parts.part_assign(part=part, officer=org.officer_clean, by=org.supervisor_epb)
    assert part.state == PartState.IN_PROGRESS and part.officer == org.officer_clean


def test_a_returned_part_is_decided_by_the_leads_supervisor_and_can_be_reimposed(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    with pytest.raises(ValidationError):
        parts.part_return_to_lead(part=part, reason="  ", by=org.officer_clean)
    parts.part_return_to_lead(part=part, reason="非屬本科業管", by=org.officer_clean)
    assert part.state == PartState.RETURNED
    # The co-handler's own supervisor does not decide: the lead's does.
    with pytest.raises(TransitionPermissionDenied):
        parts.part_decide_return(part=part, release=True, by=org.supervisor_epb)
    with pytest.raises(ValidationError):
        parts.part_decide_return(part=part, release=False, note="", by=org.supervisor)
    parts.part_decide_return(part=part, release=False, note="廢棄物清運屬清潔科", by=org.supervisor)
    part.refresh_from_db()
    assert part.state == PartState.IN_PROGRESS and part.officer == org.officer_clean
    assert part.return_decision == "reimposed"


def test_the_lead_supervisor_cannot_decide_a_return_they_made(org):
    # The public works supervisor oversees both the road (lead) and the lighting section.
    case, _ = co_handled(org, departments=[org.light])
    part = case.parts.get()
    parts.part_return_to_lead(part=part, reason="非路燈問題", by=org.supervisor)
    with pytest.raises(TransitionPermissionDenied) as exc:
        parts.part_decide_return(part=part, release=True, by=org.supervisor)
    assert "不可決定自己提出的退回" in exc.value.message
    parts.part_decide_return(part=part, release=True, by=org.admin)
    assert part.state == PartState.RELEASED


def test_co_handlers_see_the_case_and_nobody_else_gains_sight_of_it(org):
    case, _ = co_handled(org)
    assert cases_visible_to(org.officer_clean).filter(pk=case.pk).exists()
    assert cases_visible_to(org.supervisor_epb).filter(pk=case.pk).exists()
    assert not cases_visible_to(org.officer_light).filter(pk=case.pk).exists()
    # One row per case, not one per part.
    assert cases_visible_to(org.supervisor_epb).filter(pk=case.pk).count() == 1


def test_adding_co_handlers_checks_who_and_which(org):
    case, _ = co_handled(org)
    with pytest.raises(TransitionPermissionDenied):
        parts.case_add_co_handlers(case=case, departments=[org.light], by=org.officer)
    with pytest.raises(ValidationError) as exc:
        parts.case_add_co_handlers(case=case, departments=[org.road, org.clean], by=org.supervisor)
    assert len(exc.value.message_dict["departments"]) == 2
    with pytest.raises(ValidationError):
        parts.case_add_co_handlers(case=case, departments=[], by=org.supervisor)
    # A later co-handler keeps the multi-department deadline and gets the default sub-deadline.
    added = parts.case_add_co_handlers(case=case, departments=[org.light], request_note="請檢查路燈", by=org.supervisor)
    assert added[0].due_at == eod(11)
    case.refresh_from_db()
    assert case.due_at == eod(16) and case.parts.count() == 2


def test_no_co_handlers_on_an_undispatched_or_answered_case(org):
    case, _ = new_case(org)
    with pytest.raises(TransitionNotPermittedNow):
        parts.case_add_co_handlers(case=case, departments=[org.clean], by=org.intake)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="答復", by=org.officer)
    with pytest.raises(TransitionNotPermittedNow):
        parts.case_add_co_handlers(case=case, departments=[org.clean], by=org.supervisor)


def test_a_transfer_withdraws_the_open_parts(org):
    case, _ = co_handled(org)
    services.case_transfer(case=case, agency="交通部公路局", reason="非本府權責", by=org.supervisor)
    part = case.parts.get()
    assert part.state == PartState.WITHDRAWN and part.closed_at is not None
    with pytest.raises(TransitionNotPermittedNow):
        parts.part_accept(part=part, by=org.officer_clean)


def test_an_approved_extension_moves_the_default_sub_deadline(org):
    case, _ = co_handled(org)
    services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員會勘", by=org.officer)
    services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    case.refresh_from_db()
    assert case.due_at == eod(18)
    assert case.parts.get().due_at == eod(13)


def test_a_part_approved_after_its_sub_deadline_is_late(org):
    case, _ = co_handled(org)
    part = case.parts.get()
    parts.part_accept(part=part, by=org.officer_clean)
    parts.part_submit_reply(part=part, reply="已清運。", by=org.officer_clean)
    with time_machine.travel(eod(12), tick=False):
        parts.part_approve(part=part, by=org.supervisor_epb)
    assert part.on_time is False and part.missed_due_at == eod(11)


def test_a_lost_race_on_a_part_is_a_conflict(org):
    from casesys.cases.exceptions import ConcurrentUpdate

    case, _ = co_handled(org)
    part = case.parts.get()
    stale = CasePart.objects.select_related("case", "department").get(pk=part.pk)
    parts.part_accept(part=part, by=org.officer_clean)
    stale.state = PartState.REQUESTED
    with pytest.raises(ConcurrentUpdate):
        parts.part_return_to_lead(part=stale, reason="非本科", by=org.officer_clean)


def test_the_co_handling_scope_stays_an_index_condition(org):
    # `= ANY(ARRAY(subquery))`, not `IN (subquery)`: inside the scope's OR the latter turns into
    # a filter on every open case (casesys/common/lookups.py); and no ordering in the subquery.
    sql = str(cases_visible_to(org.officer_clean).query)
    sub = sql[sql.index("= ANY(ARRAY(SELECT"):]
    assert "cohandling_casepart" in sub and "ORDER BY" not in sub[: sub.index(")))")]
