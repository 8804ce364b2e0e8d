from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.exceptions import (
    ConcurrentUpdate,
    TransitionNotPermittedNow,
    TransitionPermissionDenied,
)
from casesys.cases.models import Case, CaseEvent, ExtensionRequest, State
from casesys.org.models import Role
from tests.factories import make_staff, new_case

TPE = ZoneInfo("Asia/Taipei")
ROLES = ["intake", "officer", "officer_light", "supervisor", "supervisor_epb", "analyst", "admin"]


def at(org, source: str) -> Case:
    """A case in `source`, received in the mailbox category and routed to the road section."""
    case, _ = new_case(org)
    if source == "received":
        return case
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    if source == "dispatched":
        return case
    services.case_accept(case=case, by=org.officer)
    if source == "in_progress":
        return case
    services.case_submit_reply(case=case, reply="已完成修復。", by=org.officer)
    if source == "pending_approval":
        return case
    services.case_approve(case=case, by=org.supervisor)
    return case


def perform(org, name: str, case: Case, user):
    other, _ = new_case(org)
    calls = {
        "dispatch": lambda: services.case_dispatch(case=case, department=org.road, by=user),
        "accept": lambda: services.case_accept(case=case, by=user),
        # To someone other than the case's officer: re-assigning to the same one is a no-op.
        "assign": lambda: services.case_assign(
            case=case, assignee=org.supervisor if case.assignee_id == org.officer.pk else org.officer, by=user
        ),
        "submit_reply": lambda: services.case_submit_reply(case=case, reply="答復內容", by=user),
        "approve": lambda: services.case_approve(case=case, by=user),
        "return_reply": lambda: services.case_return_reply(case=case, comment="請補充法令依據", by=user),
        "return_to_intake": lambda: services.case_return_to_intake(case=case, reason="非本科業務", by=user),
        "transfer": lambda: services.case_transfer(case=case, agency="交通部公路局", reason="非本府權責", by=user),
        "file": lambda: services.case_file(case=case, reason_code="no_content", note="無具體內容", by=user),
        "merge": lambda: services.case_merge(case=case, into=other, by=user),
        "reopen": lambda: services.case_reopen(case=case, reason="民眾不滿意", by=user),
        "request_extension": lambda: services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員會勘", by=user),
        "decide_extension": lambda: services.case_decide_extension(case=case, approve=True, note="同意", by=user),
    }
    return calls[name]()


# transition, source state, roles allowed (everyone else gets 403)
MATRIX = [
    ("dispatch", "received", {"intake", "admin"}),
    ("accept", "dispatched", {"officer", "supervisor", "admin"}),
    ("assign", "dispatched", {"supervisor", "admin"}),
    ("assign", "in_progress", {"supervisor", "admin"}),
    ("submit_reply", "in_progress", {"officer", "supervisor", "admin"}),
    ("approve", "pending_approval", {"supervisor", "admin"}),
    ("return_reply", "pending_approval", {"supervisor", "admin"}),
    ("return_to_intake", "dispatched", {"officer", "supervisor", "admin"}),
    ("return_to_intake", "in_progress", {"officer", "supervisor", "admin"}),
    ("transfer", "received", {"intake", "admin"}),
    ("transfer", "in_progress", {"supervisor", "admin"}),
    ("file", "received", {"intake", "admin"}),
    ("file", "dispatched", {"supervisor", "admin"}),
    ("merge", "received", {"intake", "admin"}),
    ("merge", "in_progress", {"supervisor", "admin"}),
    ("reopen", "closed", {"intake", "supervisor", "admin"}),
    ("request_extension", "in_progress", {"officer", "admin"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "source", "allowed"), MATRIX, ids=[f"{m[0]}-from-{m[1]}" for m in MATRIX])
def test_transition_role_matrix(org, name, source, allowed, role):
    case = at(org, source)
    user = getattr(org, role)
    events_before = CaseEvent.objects.filter(case=case).count()
    if role in allowed:
        perform(org, name, case, user)
        case.refresh_from_db()
        assert CaseEvent.objects.filter(case=case).count() > events_before
        last = CaseEvent.objects.filter(case=case).exclude(kind=CaseEventKind.MERGED_IN).last()
        assert last.actor == user and last.from_state == source
    else:
        with pytest.raises((TransitionPermissionDenied, TransitionNotPermittedNow)):
            perform(org, name, case, user)
        case.refresh_from_db()
        assert case.state == source
        assert CaseEvent.objects.filter(case=case).count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_decide_extension_only_by_supervisor_or_admin(org, role):
    case = at(org, "in_progress")
    services.case_request_extension(case=case, days=2, reason="需會同他單位會勘", status_text="已派員會勘", by=org.officer)
    user = getattr(org, role)
    if role in {"supervisor", "admin"}:
        req = perform(org, "decide_extension", case, user)
        assert req.status == "approved"
    else:
        with pytest.raises(TransitionPermissionDenied):
            perform(org, "decide_extension", case, user)


@pytest.mark.django_db
def test_transition_from_wrong_state_is_a_conflict_not_a_permission_error(org):
    case = at(org, "received")
    with pytest.raises(TransitionNotPermittedNow):
        services.case_approve(case=case, by=org.admin)


@pytest.mark.django_db
def test_case_with_default_department_is_routed_on_intake(org):
    case, _ = new_case(org, category=org.pothole)
    assert case.state == State.DISPATCHED and case.department == org.road
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "dispatched"]


@pytest.mark.django_db
def test_full_happy_path_closes_on_time_with_audit_trail(org):
    case = at(org, "closed")
    assert case.state == State.CLOSED and case.on_time is True and case.closed_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "dispatched", "accepted", "reply_submitted", "closed"]
    public = list(case.events.filter(public=True).values_list("public_text", flat=True))
    assert public[0].startswith("案件已受理") and public[-1].startswith("已結案")


@pytest.mark.django_db
def test_late_closure_is_counted_late(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case = at(org, "pending_approval")
    time_machine.move_to(dt.datetime(2026, 12, 10, 9, 0, tzinfo=TPE))
    services.case_approve(case=case, by=org.supervisor)
    assert case.on_time is False


@pytest.mark.django_db
def test_returned_reply_goes_back_to_officer_with_comment(org):
    case = at(org, "pending_approval")
    services.case_return_reply(case=case, comment="請補充法令依據", by=org.supervisor)
    assert case.state == State.IN_PROGRESS
    assert case.events.last().note == "請補充法令依據"


@pytest.mark.django_db
def test_required_fields_give_field_errors(org):
    case = at(org, "pending_approval")
    with pytest.raises(ValidationError) as err:
        services.case_return_reply(case=case, comment="  ", by=org.supervisor)
    assert "comment" in err.value.message_dict
    case.refresh_from_db()
    assert case.state == State.PENDING_APPROVAL


@pytest.mark.django_db
def test_return_to_intake_clears_routing(org):
    case = at(org, "in_progress")
    services.case_return_to_intake(case=case, reason="非本科業務，請改分", by=org.officer)
    case.refresh_from_db()
    assert case.state == State.RECEIVED and case.department is None and case.assignee is None


@pytest.mark.django_db
def test_assign_requires_an_officer_of_the_department(org):
    case = at(org, "dispatched")
    with pytest.raises(ValidationError) as err:
        services.case_assign(case=case, assignee=org.officer_clean, by=org.supervisor)
    assert "assignee" in err.value.message_dict
    services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
    # Reassignment within the department's subtree stays in progress.
    services.case_assign(case=case, assignee=org.supervisor, by=org.supervisor)
    assert case.state == State.IN_PROGRESS and case.assignee == org.supervisor


@pytest.mark.django_db
def test_transfer_closes_the_case_and_names_the_agency_publicly(org):
    case = at(org, "received")
    services.case_transfer(case=case, agency="新北市政府", reason="案發地點屬新北市", by=org.intake)
    assert case.state == State.TRANSFERRED and case.transferred_to == "新北市政府"
    assert "新北市政府" in case.events.last().public_text


@pytest.mark.django_db
def test_filing_a_repeat_cites_the_earlier_reply(org):
    earlier = at(org, "closed")
    case = at(org, "received")
    with pytest.raises(ValidationError):
        services.case_file(case=case, reason_code="repeat", by=org.intake)
    with pytest.raises(ValidationError):
        services.case_file(case=case, reason_code="nonsense", by=org.intake)
    services.case_file(case=case, reason_code="repeat", repeat_of=earlier, by=org.intake)
    assert case.state == State.FILED and earlier.number in case.reply and case.repeat_of == earlier


@pytest.mark.django_db
def test_merge_keeps_both_petitioners_on_the_surviving_case(org):
    survivor = at(org, "in_progress")
    duplicate = at(org, "received")
    services.case_merge(case=duplicate, into=survivor, by=org.intake)
    assert duplicate.state == State.MERGED and duplicate.merged_into == survivor
    assert duplicate.petitioner in survivor.co_petitioners.all()
    assert survivor.events.filter(kind=CaseEventKind.MERGED_IN).exists()


@pytest.mark.django_db
def test_merge_into_a_closed_case_is_refused(org):
    closed = at(org, "closed")
    case = at(org, "received")
    with pytest.raises(ValidationError):
        services.case_merge(case=case, into=closed, by=org.intake)


@pytest.mark.django_db
def test_reopen_only_within_the_window(org, settings, time_machine):
    settings.CASESYS = {**settings.CASESYS, "REOPEN_WINDOW_DAYS": 14}
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case = at(org, "closed")
    time_machine.move_to(dt.datetime(2026, 12, 20, 9, 0, tzinfo=TPE))
    with pytest.raises(TransitionNotPermittedNow):
        services.case_reopen(case=case, reason="民眾不滿意", by=org.supervisor)
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=TPE))
    services.case_reopen(case=case, reason="民眾不滿意", by=org.supervisor)
    assert case.state == State.IN_PROGRESS and case.closed_at is None


@pytest.mark.django_db
def test_approved_extension_moves_due_date_and_tells_the_citizen(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case = at(org, "in_progress")
    assert case.due_at.date() == dt.date(2026, 12, 1)
    services.case_request_extension(case=case, days=3, reason="需會同管線單位會勘", status_text="已派員會勘", by=org.officer)
    with pytest.raises(TransitionNotPermittedNow):
        services.case_request_extension(case=case, days=1, reason="再一次", status_text="已派員會勘", by=org.officer)
    req = services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    case.refresh_from_db()
    assert req.status == ExtensionRequest.Status.APPROVED
    assert case.due_at == dt.datetime(2026, 12, 4, 23, 59, 59, tzinfo=TPE) and case.extension_days == 3
    event = case.events.get(kind=CaseEventKind.EXTENSION_APPROVED)
    assert event.public and "2026-12-04" in event.public_text


@pytest.mark.django_db
def test_extension_beyond_thirty_calendar_days_is_refused(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    case = at(org, "in_progress")
    with pytest.raises(ValidationError) as err:
        services.case_request_extension(case=case, days=20, reason="太久", status_text="已派員會勘", by=org.officer)
    assert "days" in err.value.message_dict
    assert not ExtensionRequest.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_rejected_extension_keeps_due_date(org):
    case = at(org, "in_progress")
    due = case.due_at
    services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員會勘", by=org.officer)
    with pytest.raises(ValidationError):
        services.case_decide_extension(case=case, approve=False, note="", by=org.supervisor)
    services.case_decide_extension(case=case, approve=False, note="請於期限內完成", by=org.supervisor)
    case.refresh_from_db()
    assert case.due_at == due and case.extension_days == 0


@pytest.mark.django_db
def test_stale_copy_loses_with_a_conflict(org):
    case = at(org, "dispatched")
    stale = Case.objects.get(pk=case.pk)
    services.case_accept(case=case, by=org.officer)
    with pytest.raises(ConcurrentUpdate):
        services.case_assign(case=stale, assignee=org.officer, by=org.supervisor)
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.ASSIGNED).count() == 0


@pytest.mark.django_db
def test_stale_self_loop_transition_loses_on_version(org):
    case = at(org, "in_progress")
    stale = Case.objects.get(pk=case.pk)
    services.case_assign(case=case, assignee=org.supervisor, by=org.supervisor)
    other = make_staff("officer_road2", org.road, [Role.OFFICER])
    with pytest.raises(ConcurrentUpdate):
        services.case_assign(case=stale, assignee=other, by=org.supervisor)
    case.refresh_from_db()
    assert case.assignee == org.supervisor


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_one_wins_rest_conflict(org):
    assert connection.vendor == "postgresql"
    case = at(org, "pending_approval")
    n = 8
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        from django.db import connection as conn

        try:
            copy = Case.objects.get(pk=case.pk)
            barrier.wait()
            if i % 2:
                services.case_approve(case=copy, by=org.supervisor)
            else:
                services.case_return_reply(case=copy, comment=f"退回 {i}", by=org.supervisor)
            result = "ok"
        except (ConcurrentUpdate, TransitionNotPermittedNow):
            result = "conflict"
        finally:
            conn.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == n - 1
    events = CaseEvent.objects.filter(case=case, from_state="pending_approval")
    assert events.count() == 1
    case.refresh_from_db()
    assert case.state == events.get().to_state


# --- extensions: before the deadline, never a late case made on time ----------------------

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE)  # mailbox cases then fall due Tue 1 Dec


def _citizen_body(case: Case, template: str) -> str:
    from casesys.notifications.models import Notification

    return Notification.objects.get(case=case, template=template, recipient_user__isnull=True).body


@pytest.mark.django_db
def test_extension_cannot_be_requested_once_the_case_is_overdue(org, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = at(org, "in_progress")
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TPE), tick=False)
    with pytest.raises(TransitionNotPermittedNow) as err:
        services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員", by=org.officer)
    assert "逾處理期限" in err.value.message and "before it is due" in err.value.message
    assert not ExtensionRequest.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_extension_requested_in_time_but_approved_after_the_deadline_leaves_the_case_late(org, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = at(org, "in_progress")
    old_due = case.due_at
    services.case_request_extension(case=case, days=3, reason="需會同管線單位會勘", status_text="已派員", by=org.officer)
    # The supervisor decides the day after the old deadline; the reply goes out before the new one.
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TPE), tick=False)
    services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    case.refresh_from_db()
    assert case.due_at > timezone.now() and case.missed_due_at == old_due
    services.case_submit_reply(case=case, reply="已完成。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    assert case.closed_at < case.due_at and case.on_time is False
    assert list(case.closures.values_list("round", "on_time", "due_at")) == [(1, False, case.due_at)]


@pytest.mark.django_db
def test_extension_approved_before_the_deadline_lets_the_case_close_on_time_by_the_new_date(org, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = at(org, "in_progress")
    services.case_request_extension(case=case, days=3, reason="需會勘", status_text="已派員", by=org.officer)
    services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    time_machine.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=TPE), tick=False)  # past the old date only
    services.case_submit_reply(case=case, reply="已完成。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    assert case.on_time is True and case.missed_due_at is None


@pytest.mark.django_db
def test_a_pending_extension_holds_back_the_reply_and_says_why(org):
    case = at(org, "in_progress")
    services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員", by=org.officer)
    with pytest.raises(TransitionNotPermittedNow) as err:
        services.case_submit_reply(case=case, reply="已完成。", by=org.officer)
    assert "展延申請待核中" in err.value.message and "extension request is pending" in err.value.message
    services.case_decide_extension(case=case, approve=False, note="請於期限內完成", by=org.supervisor)
    services.case_submit_reply(case=case, reply="已完成。", by=org.officer)
    assert case.state == State.PENDING_APPROVAL


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["transfer", "file", "merge", "return_to_intake"])
def test_routing_a_case_away_withdraws_its_pending_extension(org, name):
    case = at(org, "in_progress")
    services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員", by=org.officer)
    perform(org, name, case, org.supervisor)
    req = ExtensionRequest.objects.get(case=case)
    assert req.status == ExtensionRequest.Status.WITHDRAWN
    withdrawn = case.events.get(kind=CaseEventKind.EXTENSION_WITHDRAWN)
    assert withdrawn.actor == org.supervisor and "需會勘" in withdrawn.note
    assert not case.extensions.filter(status="pending").exists()


@pytest.mark.django_db
def test_extension_notice_quotes_reason_officer_status_and_expected_completion(org, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    case = at(org, "in_progress")
    services.case_request_extension(
        case=case, days=3, reason="需會同台電會勘", status_text="已完成現場勘查，待台電排定施工", by=org.officer
    )
    services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    body = _citizen_body(case, "case_extended")
    assert "展延理由：需會同台電會勘" in body
    assert "目前辦理情形：已完成現場勘查，待台電排定施工" in body
    assert "預計完成日期：2026-12-04" in body and "Expected completion" not in body  # the case's language only


@pytest.mark.django_db
def test_extension_request_needs_the_handling_status(org):
    case = at(org, "in_progress")
    with pytest.raises(ValidationError) as err:
        services.case_request_extension(case=case, days=2, reason="需會勘", status_text="  ", by=org.officer)
    assert "status_text" in err.value.message_dict


# --- four eyes ------------------------------------------------------------------------------


@pytest.fixture
def road_chief(org):
    from casesys.org.models import Role
    from tests.factories import make_staff

    return make_staff("road_chief", org.road, [Role.SUPERVISOR])


def _drafted_by(org, user) -> Case:
    case = at(org, "dispatched")
    services.case_assign(case=case, assignee=user, by=org.supervisor)
    services.case_submit_reply(case=case, reply="已完成修復。", by=user)
    return case


@pytest.mark.django_db
def test_a_supervisor_cannot_approve_the_reply_they_drafted(org, road_chief):
    from casesys.cases.selectors import case_approvers

    case = _drafted_by(org, road_chief)
    with pytest.raises(TransitionPermissionDenied) as err:
        services.case_approve(case=case, by=road_chief)
    assert err.value.message == "不可核定自己擬辦的答復 / You cannot approve your own reply."
    # Nobody else supervises the road section: it waits for the parent department's supervisor.
    assert case_approvers(case, excluding=road_chief.pk) == [org.supervisor]
    services.case_approve(case=case, by=org.supervisor)
    assert case.state == State.CLOSED and case.approved_by == org.supervisor


@pytest.mark.django_db
def test_a_draft_waits_for_another_supervisor_of_the_same_section_first(org, road_chief):
    from casesys.cases.selectors import case_approvers
    from casesys.org.models import Role
    from tests.factories import make_staff

    deputy = make_staff("road_deputy", org.road, [Role.SUPERVISOR])
    case = _drafted_by(org, road_chief)
    assert case_approvers(case, excluding=road_chief.pk) == [deputy]
    services.case_approve(case=case, by=deputy)
    assert case.state == State.CLOSED


@pytest.mark.django_db
def test_administrators_are_bound_by_four_eyes_too(org):
    case = at(org, "in_progress")
    services.case_submit_reply(case=case, reply="已完成。", by=org.admin)
    with pytest.raises(TransitionPermissionDenied) as err:
        services.case_approve(case=case, by=org.admin)
    assert "自己擬辦" in err.value.message


@pytest.mark.django_db
def test_four_eyes_can_be_turned_off_for_a_one_person_office(org, settings, road_chief):
    settings.CASESYS = {**settings.CASESYS, "FOUR_EYES": False}
    case = _drafted_by(org, road_chief)
    services.case_approve(case=case, by=road_chief)
    assert case.state == State.CLOSED and case.approved_by == road_chief


@pytest.mark.django_db
def test_nobody_decides_their_own_extension_request(org, road_chief):
    case = at(org, "dispatched")
    services.case_assign(case=case, assignee=road_chief, by=org.supervisor)
    services.case_request_extension(case=case, days=2, reason="需會勘", status_text="已派員", by=road_chief)
    with pytest.raises(TransitionPermissionDenied) as err:
        services.case_decide_extension(case=case, approve=True, note="同意", by=road_chief)
    assert err.value.message == "不可核定自己申請的展延 / You cannot decide your own extension request."
    req = services.case_decide_extension(case=case, approve=True, note="同意", by=org.supervisor)
    assert req.status == ExtensionRequest.Status.APPROVED and req.decided_by == org.supervisor


@pytest.mark.django_db
def test_the_drafter_may_still_take_their_reply_back_for_revision(org, road_chief):
    case = _drafted_by(org, road_chief)
    services.case_return_reply(case=case, comment="我要補充法令依據", by=road_chief)
    assert case.state == State.IN_PROGRESS


# --- reopening: a fresh round, the first one kept ----------------------------------------------


@pytest.mark.django_db
def test_reopened_case_gets_a_fresh_deadline_and_keeps_its_late_first_closure(org, time_machine):
    from casesys.cases.models import CaseClosure

    time_machine.move_to(MONDAY_9AM, tick=False)
    case = at(org, "pending_approval")
    first_due, dispatch_due = case.due_at, case.dispatch_due_at
    time_machine.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=TPE), tick=False)  # two days late
    services.case_approve(case=case, by=org.supervisor)
    assert case.on_time is False

    reopened_at = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TPE)  # Monday
    time_machine.move_to(reopened_at, tick=False)
    services.case_reopen(case=case, reason="民眾表示仍未修復", by=org.supervisor)
    case.refresh_from_db()
    # 6 working days counted from the reopening, not from the receipt.
    assert case.due_at == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=TPE)
    assert case.clock_started_at == reopened_at and case.reopen_count == 1
    assert case.missed_due_at is None and case.extension_days == 0 and case.on_time is None
    assert case.dispatch_due_at == dispatch_due

    services.case_submit_reply(case=case, reply="已重新修復。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    assert case.on_time is True
    rounds = list(CaseClosure.objects.filter(case=case).values_list("round", "state", "due_at", "on_time", "reopened_at"))
    assert rounds == [
        (1, State.CLOSED, first_due, False, reopened_at),
        (2, State.CLOSED, case.due_at, True, None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "state"), [("transfer", "transferred"), ("file", "filed"), ("merge", "merged")])
def test_every_final_transition_writes_its_closure_round(org, name, state):
    case = at(org, "in_progress")
    perform(org, name, case, org.supervisor)
    closure = case.closures.get()
    assert (closure.round, closure.state, closure.closed_at, closure.due_at) == (1, state, case.closed_at, case.due_at)
    assert closure.on_time == case.on_time
