from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case, CaseEvent, State
from casesys.notifications.models import Notification
from casesys.web.models import ReplyTemplate
from tests.factories import new_case

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"


def test_login_page_and_redirect_for_anonymous_desk_visitors(client):
    assert client.get("/accounts/login/").status_code == 200
    resp = client.get("/desk/queue/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_citizens_without_roles_cannot_open_the_desk(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/desk/queue/").status_code == 403


def test_queue_puts_overdue_first_and_marks_each_row(org, client_for):
    late, _ = new_case(org, category=org.pothole, subject="逾期的坑洞")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    fresh, _ = new_case(org, category=org.pothole, subject="新的坑洞")
    Case.objects.filter(pk=fresh.pk).update(due_at=timezone.now() + dt.timedelta(days=20))
    html = client_for(org.officer).get("/desk/queue/department/").content.decode()
    assert html.index("逾期的坑洞") < html.index("新的坑洞")
    assert "tag-overdue" in html


def test_queue_filters_and_search(org, client_for):
    new_case(org, category=org.pothole, subject="忠孝路坑洞", location={"district": "大安區"})
    new_case(org, category=org.pothole, subject="仁愛路坑洞", location={"district": "中山區"})
    c = client_for(org.officer)
    html = c.get("/desk/queue/department/", {"district": "大安區"}).content.decode()
    assert "忠孝路坑洞" in html and "仁愛路坑洞" not in html
    html = c.get("/desk/queue/department/", {"q": "仁愛"}).content.decode()
    assert "仁愛路坑洞" in html and "忠孝路坑洞" not in html


def test_queue_htmx_request_returns_only_the_table(org, client_for):
    new_case(org, category=org.pothole)
    resp = client_for(org.officer).get(
        "/desk/queue/department/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    )
    html = resp.content.decode()
    assert html.lstrip().startswith('<div id="queue-results">') and "<html" not in html


def test_queue_pages_by_keyset_and_query_count_does_not_grow(org, client_for, django_assert_max_num_queries):
    for i in range(60):
        new_case(org, category=org.pothole, subject=f"坑洞{i:02d}")
    c = client_for(org.officer)
    with django_assert_max_num_queries(12):
        first = c.get("/desk/queue/department/")
    page = first.context["page"]
    assert len(page.rows) == 50 and page.next_cursor and page.count == 60
    second = c.get("/desk/queue/department/", {"after": page.next_cursor}).context["page"]
    assert len(second.rows) == 10 and second.prev_cursor
    assert not {r.case.pk for r in page.rows} & {r.case.pk for r in second.rows}
    back = c.get("/desk/queue/department/", {"before": second.prev_cursor}).context["page"]
    assert [r.case.pk for r in back.rows] == [r.case.pk for r in page.rows]


def test_case_page_shows_only_permitted_actions_and_escapes_text(org, client_for):
    case, _ = new_case(org, category=org.pothole, subject=f"坑洞{EVIL}", description=f"內容{EVIL}")
    html = client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode()
    assert EVIL not in html and "&lt;script&gt;" in html
    assert 'id="action-accept"' in html and 'id="action-return_to_intake"' in html
    assert 'id="action-approve"' not in html and 'id="action-dispatch"' not in html
    # A case from another department does not exist for this officer.
    other, _ = new_case(org, category=org.lights)
    assert client_for(org.officer_clean).get(f"/desk/cases/{other.number}/").status_code == 404


def test_action_validation_errors_appear_next_to_the_field(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    c = client_for(org.officer)
    resp = c.post(
        f"/desk/cases/{case.number}/actions/request_extension/",
        {"request_extension-version": case.version + 0, "request_extension-days": "25", "request_extension-reason": "需會勘",
         "request_extension-status_text": "已派員勘查"},
    )
    case.refresh_from_db()
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="id_request_extension-days_error"' in html and "全案期限不得超過" in html
    assert 'open id="action-request_extension"' in html


def test_stale_version_gives_a_conflict_message_not_a_change(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    c = client_for(org.officer)
    resp = c.post(f"/desk/cases/{case.number}/actions/accept/", {"accept-version": case.version - 1}, follow=True)
    assert "已被他人更新" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == State.DISPATCHED


def test_forbidden_transition_shows_a_message(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    resp = client_for(org.officer_light).post(
        f"/desk/cases/{case.number}/actions/accept/", {"accept-version": case.version}, follow=True
    )
    # officer_light cannot see a road case at all
    assert resp.status_code == 404


def test_full_officer_workflow_through_the_forms(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    officer, supervisor = client_for(org.officer), client_for(org.supervisor)
    assert officer.post(f"/desk/cases/{case.number}/actions/accept/", {"accept-version": case.version}).status_code == 302
    case.refresh_from_db()
    resp = officer.post(
        f"/desk/cases/{case.number}/actions/submit_reply/",
        {"submit_reply-version": case.version, "submit_reply-reply": "已修補。"},
    )
    assert resp.status_code == 302
    inbox = supervisor.get("/desk/approvals/").content.decode()
    assert case.number in inbox
    case.refresh_from_db()
    supervisor.post(f"/desk/cases/{case.number}/actions/approve/", {"approve-version": case.version})
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_reply_template_fills_the_reply_field(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    tpl = ReplyTemplate.objects.create(category=org.pothole, title="已修補", body="案號 {number} 已修補。<b>{x}</b>")
    html = client_for(org.officer).get(
        f"/desk/cases/{case.number}/reply-template/", {"submit_reply-template": tpl.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"案號 {case.number} 已修補。" in html and "&lt;b&gt;{x}&lt;/b&gt;" in html


def test_reveal_is_audited_and_masking_holds_until_then(org, client_for):
    case, _ = new_case(org, category=org.pothole, petitioner={"name": "王小明", "phone": "0912345678"})
    c = client_for(org.supervisor)
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert "王○明" in html and "王小明" not in html
    resp = c.post(f"/desk/cases/{case.number}/reveal/", HTTP_HX_REQUEST="true")
    assert "王小明" in resp.content.decode()
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.IDENTITY_REVEALED, actor=org.supervisor).exists()
    assert client_for(org.analyst).post(f"/desk/cases/{case.number}/reveal/").status_code == 403


def test_notes_are_added_with_htmx(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    resp = client_for(org.officer).post(f"/desk/cases/{case.number}/notes/", {"text": f"已聯絡{EVIL}"}, HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert "已聯絡&lt;script&gt;" in html and case.notes.count() == 1


def test_intake_registers_a_phone_case_and_bulk_dispatches(org, client_for):
    c = client_for(org.intake)
    resp = c.post(
        "/desk/intake/new/",
        {"channel": "phone", "category": org.mailbox.pk, "subject": "公車站建議", "description": "希望增設候車亭",
         "name": "陳大文", "phone": "0922333444"},
    )
    assert resp.status_code == 302 and "channel=phone" in resp["Location"]
    case = Case.objects.get(subject="公車站建議")
    assert case.channel == "phone" and case.state == State.RECEIVED and case.registered_by == org.intake
    assert case.number in c.get("/desk/intake/").content.decode()
    resp = c.post("/desk/intake/dispatch/", {"cases": [case.number], "department": org.road.pk}, follow=True)
    assert "已分文 1 件" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.department == org.road


def test_intake_form_errors_show_next_to_fields(org, client_for):
    resp = client_for(org.intake).post("/desk/intake/new/", {"channel": "phone", "category": org.mailbox.pk})
    assert resp.status_code == 400
    assert 'id="id_subject_error"' in resp.content.decode()


def test_bulk_dispatch_without_department_uses_category_default_or_reports(org, client_for):
    case, _ = new_case(org)  # mailbox: no default department
    resp = client_for(org.intake).post("/desk/intake/dispatch/", {"cases": [case.number]}, follow=True)
    assert "沒有預設單位" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == State.RECEIVED


def test_unread_count_and_mark_read(org, client_for):
    Notification.objects.create(channel="inapp", recipient_user=org.officer, template="t", subject="新案件", status="sent")
    Notification.objects.create(channel="inapp", recipient_user=org.officer, template="t", subject="另一件", status="sent")
    c = client_for(org.officer)
    html = c.get("/desk/notifications/").content.decode()
    assert 'data-unread="2"' in html
    n = Notification.objects.filter(recipient_user=org.officer).first()
    c.post("/desk/notifications/read/", {"id": n.pk})
    assert 'data-unread="1"' in c.get("/desk/notifications/count/").content.decode()
    c.post("/desk/notifications/read/")
    assert Notification.objects.filter(recipient_user=org.officer, read_at__isnull=True).count() == 0


def test_marking_all_read_leaves_a_reminder_not_yet_delivered_unread(org, client_for):
    Notification.objects.create(channel="inapp", recipient_user=org.officer, template="t", subject="已送達", status="sent")
    waiting = Notification.objects.create(channel="inapp", recipient_user=org.officer, template="reminder_due_soon")
    c = client_for(org.officer)
    c.post("/desk/notifications/read/")
    c.post("/desk/notifications/read/", {"id": waiting.pk})

    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.read_at is None  # shown as unread once delivered


def test_leads_page_renders(org, client_for):
    from casesys.inbound.services import lead_record

    lead_record(source="line", external_id="m1", text=f"路燈壞了{EVIL}")
    html = client_for(org.intake).get("/desk/leads/").content.decode()
    assert "路燈壞了&lt;script&gt;" in html


def test_leads_are_converted_or_dismissed_from_the_triage_page(org, client_for):
    from casesys.inbound.models import Lead
    from casesys.inbound.services import lead_record

    convert, _ = lead_record(source="feed", external_id="n1", text="中山路坑洞很多", title="中山路坑洞")
    dismiss, _ = lead_record(source="feed", external_id="n2", text="天氣很好")
    c = client_for(org.intake)
    resp = c.post(f"/desk/leads/{convert.pk}/convert/", {"category": org.pothole.pk, "subject": "中山路坑洞"}, follow=True)
    convert.refresh_from_db()
    assert convert.status == Lead.Status.CONVERTED and convert.case.number in resp.content.decode()
    resp = c.post(f"/desk/leads/{dismiss.pk}/dismiss/", {"reason": ""}, follow=True)
    assert "理由" in resp.content.decode()
    c.post(f"/desk/leads/{dismiss.pk}/dismiss/", {"reason": "與市政無關"})
    dismiss.refresh_from_db()
    assert dismiss.status == Lead.Status.DISMISSED
    again = c.post(f"/desk/leads/{dismiss.pk}/dismiss/", {"reason": "x"}, follow=True)
    assert "已由他人處理" in again.content.decode()


# --- issue 13: extensions, four eyes, reopening on the case page and the inbox --------------

TPE = dt.timezone(dt.timedelta(hours=8))


def _road_case_in_progress(org):
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    case.refresh_from_db()
    return case


def test_extension_form_takes_the_status_and_then_the_page_holds_back_the_reply_saying_why(org, client_for):
    case = _road_case_in_progress(org)
    c = client_for(org.officer)
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="action-submit_reply"' in html and "request_extension-status_text" in html
    resp = c.post(
        f"/desk/cases/{case.number}/actions/request_extension/",
        {"request_extension-version": case.version, "request_extension-days": "1",
         "request_extension-reason": "需會同管線單位會勘", "request_extension-status_text": "已派員勘查，待管線單位回覆"},
    )
    assert resp.status_code == 302
    html = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="action-submit_reply"' not in html
    assert "展延申請待核中，主管核定後才能送出答復" in html
    assert "目前處理情形：已派員勘查，待管線單位回覆" in html


def test_extension_form_without_the_status_shows_a_field_error(org, client_for):
    case = _road_case_in_progress(org)
    resp = client_for(org.officer).post(
        f"/desk/cases/{case.number}/actions/request_extension/",
        {"request_extension-version": case.version, "request_extension-days": "1", "request_extension-reason": "需會勘"},
    )
    assert resp.status_code == 400
    assert 'id="id_request_extension-status_text_error"' in resp.content.decode()


def test_overdue_case_page_offers_no_extension_and_says_why(org, client_for, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE), tick=False)
    case = _road_case_in_progress(org)
    time_machine.move_to(case.due_at + dt.timedelta(hours=1), tick=False)
    html = client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="action-request_extension"' not in html
    assert "案件已逾處理期限，不能申請展延" in html


def test_own_draft_waits_in_another_supervisors_inbox_and_the_drafter_is_told_whose(org, client_for):
    from casesys.org.models import Role
    from tests.factories import make_staff

    chief = make_staff("road_chief", org.road, [Role.SUPERVISOR])
    chief.first_name = "路科長"
    chief.save()
    org.supervisor.first_name = "工務主管"
    org.supervisor.save()
    case, _ = new_case(org, category=org.pothole, subject="科長自擬的坑洞答復")
    services.case_assign(case=case, assignee=chief, by=org.supervisor)
    services.case_submit_reply(case=case, reply="已修補完成。", by=chief)

    mine = client_for(chief).get("/desk/approvals/").content.decode()
    replies = mine[mine.index('id="h-replies"'):mine.index('id="h-own"')]
    assert "科長自擬的坑洞答復" not in replies
    own = mine[mine.index('id="h-own"'):mine.index('id="h-ext"')]
    assert "科長自擬的坑洞答復" in own and "工務主管" in own

    theirs = client_for(org.supervisor).get("/desk/approvals/").content.decode()
    assert "科長自擬的坑洞答復" in theirs[theirs.index('id="h-replies"'):theirs.index('id="h-ext"')]

    page = client_for(chief).get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="action-approve"' not in page
    assert "不可核定自己擬辦的答復，待 工務主管 核定" in page
    resp = client_for(chief).post(
        f"/desk/cases/{case.number}/actions/approve/", {"approve-version": case.version}, follow=True
    )
    assert "不可核定自己擬辦的答復" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == State.PENDING_APPROVAL


def test_closed_case_page_shows_no_pending_extension_but_its_closure_history(org, client_for):
    case = _road_case_in_progress(org)
    services.case_request_extension(case=case, days=1, reason="需會勘", status_text="已派員", by=org.officer)
    services.case_transfer(case=case, agency="交通部公路局", reason="省道非本府權責", by=org.supervisor)
    html = client_for(org.supervisor).get(f"/desk/cases/{case.number}/").content.decode()
    assert "展延申請待核" not in html
    assert "展延申請撤回" in html and "案件已移文，展延申請撤回" in html
    assert 'id="h-closures"' in html and "已移文" in html


def test_reopened_case_page_lists_the_late_first_round(org, client_for, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE), tick=False)
    case = _road_case_in_progress(org)
    services.case_submit_reply(case=case, reply="已修補。", by=org.officer)
    time_machine.move_to(dt.datetime(2026, 11, 26, 9, 0, tzinfo=TPE), tick=False)  # pothole: due in 24 hours
    services.case_approve(case=case, by=org.supervisor)
    time_machine.move_to(dt.datetime(2026, 11, 27, 10, 0, tzinfo=TPE), tick=False)
    services.case_reopen(case=case, reason="民眾表示仍有坑洞", by=org.supervisor)
    html = client_for(org.officer).get(f"/desk/cases/{case.number}/").content.decode()
    history = html[html.index('id="h-closures"'):html.index('id="h-timeline"')]
    assert "逾限" in history and "2026-11-27 10:00" in history
    # The fresh deadline: 24 hours from the reopening.
    assert "2026-11-28 10:00" in html
