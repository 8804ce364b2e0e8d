"""A notice for every outcome, seen from the petitioner's side: the text they receive, the
status page and the track API they read; and, for petitioners without an electronic route,
the call-or-write task the officer sees."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case
from casesys.notifications.citizen import citizen_overdue_notices_send
from casesys.notifications.models import ContactTask, Notification
from casesys.notifications.services import notification_deliver
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
# A Tuesday morning, Taipei time; everything below is relative to it.
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)

ALICE = {"name": "王小明", "phone": "0912345678", "email": "alice@example.invalid"}
BOB = {"name": "陳大華", "phone": "0987654321", "email": "bob@example.invalid"}



def _citizen_rows(case, template):
    return Notification.objects.filter(case=case, template=template, recipient_user__isnull=True)


def _close(org, case, reply: str) -> Case:
    if case.department_id is None:
        services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply=reply, by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    return case


def _status_page(case, password) -> str:
    c = Client()
    resp = c.post("/status/", {"number": case.number, "password": password})
    assert resp.status_code == 302
    return c.get(f"/status/{case.number}/").content.decode()


def _track(case, password) -> dict:
    resp = Client().post(
        "/api/v1/track/",
        {"number": case.number, "password": password},
        content_type="application/json",
    )
    assert resp.status_code == 200
    return resp.json()


# --- transferred -----------------------------------------------------------------------------


def test_transfer_notice_says_to_whom_and_why(org):
    case, _ = new_case(org, petitioner=ALICE)
    services.case_transfer(
        case=case, agency="新北市政府工務局", reason="案發地點位於新北市轄區", by=org.intake
    )

    body = _citizen_rows(case, "case_transferred").get().body
    assert "已移請 新北市政府工務局 處理" in body and "移文理由：案發地點位於新北市轄區" in body
    assert "transferred to" not in body  # a Chinese petition is answered in Chinese only


# --- filed -----------------------------------------------------------------------------------


def test_filed_notice_gives_the_reason_in_words(org):
    case, password = new_case(org, petitioner=ALICE)
    services.case_file(case=case, reason_code="no_content", note="內容空白", by=org.intake)

    row = _citizen_rows(case, "case_filed").get()
    assert row.recipient_address == "alice@example.invalid"
    assert "存查理由：陳情內容未具體指明事項" in row.body and "names no concrete matter" not in row.body
    assert "內容空白" not in row.body  # the internal note stays internal
    assert "陳情內容未具體指明事項" in _status_page(case, password)


def test_repeat_of_the_same_petitioners_case_cites_its_date_number_and_reply(org):
    with time_machine.travel(T0, tick=False):
        earlier, _ = new_case(org, petitioner=ALICE)
        _close(org, earlier, "巷口路燈已於三月三日修復。")
    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        # A new Petitioner row; the same person by normalised phone and e-mail.
        case, password = new_case(
            org, petitioner={**ALICE, "phone": "+886 912-345-678", "email": "Alice@Example.invalid"}
        )
        services.case_file(case=case, reason_code="repeat", repeat_of=earlier, by=org.intake)

    body = _citizen_rows(case, "case_filed").get().body
    assert earlier.number in body and "2026-03-03" in body and "巷口路燈已於三月三日修復。" in body
    assert "巷口路燈已於三月三日修復。" in _status_page(case, password)
    assert earlier.number in _track(case, password)["reply"]


def test_repeat_of_another_petitioners_case_never_shows_their_reply(org):
    with time_machine.travel(T0, tick=False):
        earlier, _ = new_case(org, petitioner=BOB)
        _close(org, earlier, "陳大華先生您好，府內已派員修復您家門前路燈。")
    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        case, password = new_case(org, petitioner=ALICE)
        services.case_file(case=case, reason_code="repeat", repeat_of=earlier, by=org.intake)

    notice = _citizen_rows(case, "case_filed").get()
    page = _status_page(case, password)
    tracked = _track(case, password)
    for seen in (notice.body, page, str(tracked)):
        assert "陳大華" not in seen and "府內已派員修復" not in seen
        assert earlier.number not in seen
    assert "已答復之陳情事項相同" in notice.body and "already answered" in notice.body
    assert "已答復之陳情事項相同" in tracked["reply"] and "已答復之陳情事項相同" in page


# --- merged ----------------------------------------------------------------------------------


def test_merged_petitioner_is_told_which_case_carries_it_and_then_gets_its_reply(org):
    survivor, _ = new_case(org, petitioner=ALICE)
    duplicate, dup_password = new_case(org, petitioner=BOB)
    services.case_dispatch(case=survivor, department=org.road, by=org.intake)
    services.case_merge(case=duplicate, into=survivor, by=org.intake)

    merged = _citizen_rows(duplicate, "case_merged").get()
    assert merged.recipient_address == "bob@example.invalid"
    assert survivor.number in merged.body and "已併入該案" in merged.body
    assert survivor.number in _status_page(duplicate, dup_password)

    _close(org, survivor, "路燈已於今日修復，謝謝兩位的通報。")

    reply = _citizen_rows(duplicate, "case_merged_reply").get()
    assert reply.recipient_address == "bob@example.invalid"
    assert (
        "路燈已於今日修復" in reply.body
        and survivor.number in reply.body
        and duplicate.number in reply.body
    )
    page = _status_page(duplicate, dup_password)
    assert "路燈已於今日修復" in page and "已結案" in page
    tracked = _track(duplicate, dup_password)
    assert tracked["state"] == "merged"
    assert (tracked["merged_into"], tracked["merged_into_state"]) == (survivor.number, "closed")
    assert tracked["reply"] == "路燈已於今日修復，謝謝兩位的通報。"


def test_final_reply_reaches_each_merged_petitioner_once(org):
    survivor, _ = new_case(org, petitioner=ALICE)
    same_person, _ = new_case(org, petitioner=ALICE)  # Alice wrote twice
    bob_1, _ = new_case(org, petitioner=BOB)
    bob_2, _ = new_case(org, petitioner={**BOB, "name": "陳先生"})
    line_user, _ = new_case(
        org,
        channel="line",
        petitioner={"name": "林小姐", "contacts": [{"channel": "line", "address": "U" + "c" * 32}]},
    )
    services.case_dispatch(case=survivor, department=org.road, by=org.intake)
    # A chain: LINE case → Bob's first case → the survivor.
    services.case_merge(case=line_user, into=bob_1, by=org.intake)
    for dup in (same_person, bob_1, bob_2):
        services.case_merge(case=dup, into=survivor, by=org.intake)

    _close(org, survivor, "已完成修復。")

    replies = Notification.objects.filter(
        template__in=["case_reply", "case_merged_reply"], recipient_user__isnull=True
    )
    assert sorted((n.channel, n.recipient_address) for n in replies) == [
        ("email", "alice@example.invalid"),
        ("email", "bob@example.invalid"),
        ("line", "U" + "c" * 32),
    ]


# --- reopened --------------------------------------------------------------------------------


def test_reopened_notice_gives_the_reason(org):
    case, _ = new_case(org, petitioner=ALICE)
    _close(org, case, "已修復。")
    services.case_reopen(case=case, reason="民眾來電表示路燈仍然不亮", by=org.supervisor)

    body = _citizen_rows(case, "case_reopened").get().body
    assert "重新處理理由：民眾來電表示路燈仍然不亮" in body and "has been reopened" not in body


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_case_is_told_once_per_deadline_and_again_after_a_new_one_passes(org):
    with time_machine.travel(T0, tick=False):
        case, _ = new_case(org, petitioner=ALICE, category=org.lights)
        services.case_accept(case=case, by=org.officer_light)
    case.refresh_from_db()
    due = case.due_at

    assert citizen_overdue_notices_send(now=due - dt.timedelta(minutes=1)).notices == 0
    assert citizen_overdue_notices_send(now=due + dt.timedelta(hours=1)).notices == 1
    assert citizen_overdue_notices_send(now=due + dt.timedelta(days=2)).notices == 0

    row = _citizen_rows(case, "case_overdue").get()
    assert row.recipient_address == "alice@example.invalid"
    assert f"原定處理期限為 {timezone.localtime(due):%Y-%m-%d %H:%M}" in row.body
    assert "目前辦理情形：處理中" in row.body and "Current status" not in row.body
    assert "如核定新的處理期限，將另行通知" in row.body

    # A new deadline (as an approved extension or a reopening sets) is a new overdue period.
    new_due = due + dt.timedelta(days=5)
    Case.objects.filter(pk=case.pk).update(due_at=new_due)
    assert citizen_overdue_notices_send(now=new_due - dt.timedelta(hours=1)).notices == 0
    assert citizen_overdue_notices_send(now=new_due + dt.timedelta(hours=1)).notices == 1
    assert citizen_overdue_notices_send(now=new_due + dt.timedelta(hours=2)).notices == 0
    assert _citizen_rows(case, "case_overdue").count() == 2


def test_overdue_notice_quotes_the_officers_own_words_and_waits_for_a_pending_extension(org):
    with time_machine.travel(T0, tick=False):
        case, _ = new_case(org, petitioner=ALICE, category=org.lights)
        services.case_accept(case=case, by=org.officer_light)
        request = services.case_request_extension(
            case=case,
            days=2,
            reason="需台電配合更換變壓器",
            status_text="已會同台電現場勘查",
            by=org.officer_light,
        )
    case.refresh_from_db()
    late = case.due_at + dt.timedelta(hours=1)

    assert citizen_overdue_notices_send(now=late).notices == 0  # the decision will tell them

    request.status = "rejected"
    request.save(update_fields=["status"])
    assert citizen_overdue_notices_send(now=late).notices == 1
    body = _citizen_rows(case, "case_overdue").get().body
    assert "需台電配合更換變壓器" in body and "已會同台電現場勘查" in body


def test_overdue_scan_is_in_the_default_schedule():
    from workers.schedule import DEFAULT_SCHEDULE

    assert "casesys.notifications.tasks.send_citizen_overdue_notices" in {
        e["task"] for e in DEFAULT_SCHEDULE
    }


# --- no electronic route -----------------------------------------------------------------------

PHONE_ONLY = {"name": "張阿伯", "phone": "0223456789"}


def test_phone_only_petitioner_gets_a_call_task_on_the_case_page_and_in_the_officers_queue(
    org, client_for
):
    case, _ = new_case(org, petitioner=PHONE_ONLY, category=org.lights, channel="phone")
    # The number and password were read out on the call: no task for the acknowledgement.
    assert not ContactTask.objects.filter(case=case).exists()
    assert not _citizen_rows(case, "case_acknowledged").exists()

    services.case_accept(case=case, by=org.officer_light)
    services.case_request_extension(
        case=case,
        days=2,
        reason="需協調台電施工",
        status_text="已排定施工日期",
        by=org.officer_light,
    )
    case.refresh_from_db()
    services.case_decide_extension(case=case, approve=True, by=org.supervisor)

    task = ContactTask.objects.get(case=case, template="case_extended")
    assert task.suggested_method == "call" and "需協調台電施工" in task.body
    assert not _citizen_rows(case, "case_extended").exists()

    officer = client_for(org.officer_light)
    page = officer.get(f"/desk/cases/{case.number}/").content.decode()
    assert (
        "待電話/書面通知" in page and "需協調台電施工" in page and f"contact-task-{task.pk}" in page
    )
    queue = officer.get("/desk/queue/").content.decode()
    assert 'id="contact-tasks"' in queue and case.number in queue

    resp = officer.post(
        f"/desk/cases/{case.number}/contact-tasks/{task.pk}/done/",
        {"method": "call", "note": "已電話告知，民眾了解"},
    )
    assert resp.status_code == 302
    task.refresh_from_db()
    assert task.done_by == org.officer_light and task.method == "call"
    assert 'id="contact-tasks"' not in officer.get("/desk/queue/").content.decode()
    page = officer.get(f"/desk/cases/{case.number}/").content.decode()
    assert f"contact-task-{task.pk}" not in page
    assert "已電話/書面通知陳情人" in page and "已電話告知，民眾了解" in page


def test_unassigned_case_task_is_in_the_department_queue(org, client_for):
    case, _ = new_case(org, petitioner=PHONE_ONLY, category=org.pothole, channel="phone")
    services.case_file(case=case, reason_code="no_content", by=org.supervisor)

    task = ContactTask.objects.get(case=case, template="case_filed")
    assert "陳情內容未具體指明事項" in task.body
    html = client_for(org.officer).get("/desk/queue/department/").content.decode()
    assert 'id="contact-tasks"' in html and case.number in html
    assert 'id="contact-tasks"' not in client_for(org.officer).get("/desk/queue/").content.decode()


def test_letter_petitioner_is_written_to_and_marking_done_needs_sight_of_the_case(org, client_for):
    case, _ = new_case(
        org,
        channel="letter",
        petitioner={"name": "李先生", "address": "臺北市中山區中山北路一段1號"},
        category=org.pothole,
    )
    task = ContactTask.objects.get(case=case, template="case_acknowledged")
    assert task.suggested_method == "letter" and case.number in task.body
    assert "查詢密碼" in task.body and "********" in task.body  # the password is never stored

    outsider = client_for(org.officer_clean)
    assert (
        outsider.post(
            f"/desk/cases/{case.number}/contact-tasks/{task.pk}/done/", {"method": "letter"}
        ).status_code
        == 404
    )
    task.refresh_from_db()
    assert task.done_at is None


def test_failed_line_notice_is_visible_on_the_case_page(org, client_for, settings):
    settings.CASESYS_CHANNELS = {
        **settings.CASESYS_CHANNELS,
        "line": {
            **settings.CASESYS_CHANNELS["line"],
            "transport": "tests.notifications.fakes.ScriptedTransport",
        },
    }
    from tests.notifications.fakes import ScriptedTransport

    ScriptedTransport.script = ["perm"]
    try:
        case, _ = new_case(
            org,
            channel="line",
            petitioner={
                "name": "林小姐",
                "contacts": [{"channel": "line", "address": "U" + "d" * 32}],
            },
        )
        row = _citizen_rows(case, "case_acknowledged").get()
        assert notification_deliver(notification_id=row.pk) == "failed"
    finally:
        ScriptedTransport.script = []

    page = client_for(org.intake).get(f"/desk/cases/{case.number}/").content.decode()
    assert (
        "未送達的通知" in page
        and f"failed-notice-{row.pk}" in page
        and "400 invalid recipient" in page
    )


def test_anonymous_case_keeps_a_visible_could_not_be_routed_record(org, client_for):
    case, _ = new_case(org, petitioner=None, anonymous=True)
    services.case_file(case=case, reason_code="no_identity", by=org.intake)

    row = _citizen_rows(case, "case_filed").get()
    assert row.status == "failed" and "Anonymous" in row.last_error
    page = client_for(org.admin).get(f"/desk/cases/{case.number}/").content.decode()
    assert f"failed-notice-{row.pk}" in page


def test_merged_callers_tasks_go_to_the_officer_answering_the_carrying_case(org, client_for):
    survivor, _ = new_case(org, petitioner=ALICE, category=org.pothole)
    caller, _ = new_case(org, channel="phone", petitioner=PHONE_ONLY)
    services.case_merge(case=caller, into=survivor, by=org.intake)
    merged_task = ContactTask.objects.get(case=caller, template="case_merged")
    assert survivor.number in merged_task.body

    _close(org, survivor, "坑洞已於今日填補完成。")

    task = ContactTask.objects.get(case=caller, template="case_merged_reply")
    assert "坑洞已於今日填補完成" in task.body and task.suggested_method == "call"
    officer = client_for(org.officer)
    page = officer.get(f"/desk/cases/{survivor.number}/").content.decode()
    assert f"contact-task-{task.pk}" in page and caller.number in page and "0223456789" in page
    assert f"{caller.number} → {survivor.number}" in officer.get("/desk/queue/").content.decode()

    resp = officer.post(
        f"/desk/cases/{survivor.number}/contact-tasks/{task.pk}/done/", {"method": "call"}
    )
    assert resp.status_code == 302
    task.refresh_from_db()
    assert task.done_by == org.officer
    assert (
        f"contact-task-{task.pk}"
        not in officer.get(f"/desk/cases/{survivor.number}/").content.decode()
    )


def test_carrying_case_transferred_tells_the_merged_petitioners_too(org):
    survivor, _ = new_case(org, petitioner=ALICE)
    duplicate, _ = new_case(org, petitioner=BOB)
    services.case_merge(case=duplicate, into=survivor, by=org.intake)
    services.case_transfer(
        case=survivor, agency="交通部公路局", reason="省道屬公路局權責", by=org.intake
    )

    body = _citizen_rows(duplicate, "case_transferred").get().body
    assert duplicate.number in body and "交通部公路局" in body and "省道屬公路局權責" in body


def test_merged_reply_notices_have_stable_business_keys(org):
    survivor, _ = new_case(org, petitioner=ALICE)
    duplicate, _ = new_case(org, petitioner=BOB)
    services.case_merge(case=duplicate, into=survivor, by=org.intake)
    _close(org, survivor, "已完成。")

    event = survivor.events.get(kind=CaseEventKind.CLOSED)
    row = _citizen_rows(duplicate, "case_merged_reply").get()
    assert row.dedupe_key == f"citizen:merged-reply:{event.pk}:{duplicate.pk}"
