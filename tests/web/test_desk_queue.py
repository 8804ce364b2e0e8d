"""The officer's desk: my queue split into "to do" / "waiting on others", sortable columns,
saved filters, bulk dispatch reporting each unroutable case, the assign list, re-assigning
to the same officer as a no-op, and the notifications page (reader's language, links,
paging, the unread count)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case, CaseEvent, Category, State
from casesys.cohandling.services import case_add_co_handlers
from casesys.notifications.models import Notification
from casesys.org.models import Role
from casesys.web.models import SavedFilter
from tests.factories import CategoryFactory, make_staff, new_case

pytestmark = pytest.mark.django_db


def _mine(org, subject: str, *, due_in_days: int, received_days_ago: int = 1) -> Case:
    case, _ = new_case(org, category=org.pothole, subject=subject)
    services.case_accept(case=case, by=org.officer)
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        due_at=now + dt.timedelta(days=due_in_days), received_at=now - dt.timedelta(days=received_days_ago)
    )
    case.refresh_from_db()
    return case


def _numbers(resp) -> list[str]:
    return [r.case.number for r in resp.context["page"].rows]


# --- my queue: to do / waiting on others -----------------------------------------------------


def test_a_reply_awaiting_approval_is_not_in_to_do_but_in_waiting(org, client_for):
    # The reply awaiting approval is the most urgent by deadline: it used to be the top row.
    waiting = _mine(org, "已送核的坑洞", due_in_days=1)
    services.case_submit_reply(case=waiting, reply="已修補。", by=org.officer)
    todo = _mine(org, "待處理的坑洞", due_in_days=5)
    c = client_for(org.officer)

    resp = c.get("/desk/queue/")
    assert resp.context["page"].tab == "todo"
    assert _numbers(resp) == [todo.number]
    assert resp.context["page"].tab_counts == {"todo": 1, "waiting": 1}
    html = resp.content.decode()
    assert "待我處理" in html and "等待他人" in html and 'aria-current="page"' in html

    resp = c.get("/desk/queue/", {"tab": "waiting"})
    assert _numbers(resp) == [waiting.number]
    assert "答復待主管核定" in resp.content.decode()
    # Unknown tab: the default one.
    assert _numbers(c.get("/desk/queue/", {"tab": "bogus"})) == [todo.number]


def test_pending_extension_and_open_co_handling_parts_wait_on_others(org, client_for):
    ext = _mine(org, "申請展延的案件", due_in_days=10)
    services.case_request_extension(case=ext, days=3, reason="需會勘", status_text="已派員會勘", by=org.officer)
    parts = _mine(org, "協辦中的案件", due_in_days=10)
    case_add_co_handlers(case=parts, departments=[org.clean], by=org.supervisor)
    free = _mine(org, "可以答復的案件", due_in_days=10)
    c = client_for(org.officer)
    assert _numbers(c.get("/desk/queue/")) == [free.number]
    resp = c.get("/desk/queue/", {"tab": "waiting"})
    assert set(_numbers(resp)) == {ext.number, parts.number}
    html = resp.content.decode()
    assert "展延申請待核" in html and "等待協辦單位" in html


# --- sorting -------------------------------------------------------------------------------


def test_columns_sort_server_side_with_aria_sort_and_keyset_paging(org, client_for):
    a = _mine(org, "甲", due_in_days=3, received_days_ago=1)
    b = _mine(org, "乙", due_in_days=1, received_days_ago=5)
    d = _mine(org, "丙", due_in_days=2, received_days_ago=3)
    c = client_for(org.officer)

    resp = c.get("/desk/queue/")
    assert _numbers(resp) == [b.number, d.number, a.number]  # by deadline, soonest first
    html = resp.content.decode()
    assert re.search(r'<th scope="col" aria-sort="ascending" class="sortable"><a href="\?sort=-due"', html)

    resp = c.get("/desk/queue/", {"sort": "received"})
    assert _numbers(resp) == [b.number, d.number, a.number]
    resp = c.get("/desk/queue/", {"sort": "-received"})
    assert _numbers(resp) == [a.number, d.number, b.number]
    html = resp.content.decode()
    assert 'aria-sort="descending"' in html and html.count("aria-sort=") == 1
    assert _numbers(c.get("/desk/queue/", {"sort": "-number"})) == sorted([a.number, b.number, d.number], reverse=True)
    # Not on the whitelist: the deadline order, never an error or an arbitrary column.
    resp = c.get("/desk/queue/", {"sort": "petitioner__name"})
    assert resp.status_code == 200 and resp.context["page"].sort == "due"


def test_sorted_pages_by_keyset_in_both_directions(org, client_for, monkeypatch):
    from casesys.web import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    cases = [_mine(org, f"案{i}", due_in_days=5, received_days_ago=i + 1) for i in range(5)]
    newest_first = [x.number for x in cases]
    c = client_for(org.officer)
    first = c.get("/desk/queue/", {"sort": "-received"})
    assert _numbers(first) == newest_first[:2]
    page = first.context["page"]
    second = c.get("/desk/queue/", {"sort": "-received", "after": page.next_cursor})
    assert _numbers(second) == newest_first[2:4]
    third = c.get("/desk/queue/", {"sort": "-received", "after": second.context["page"].next_cursor})
    assert _numbers(third) == newest_first[4:] and third.context["page"].next_cursor is None
    back = c.get("/desk/queue/", {"sort": "-received", "before": third.context["page"].prev_cursor})
    assert _numbers(back) == newest_first[2:4]
    # The pager keeps the sort.
    assert "sort=-received" in second.content.decode().split('class="pager"')[1]
    # A forged cursor is ignored, not a 500.
    assert c.get("/desk/queue/", {"sort": "-received", "after": "!!not-a-cursor"}).status_code == 200


def test_queue_shows_received_channel_and_confidential_columns_with_card_labels(org, client_for):
    case, _ = new_case(org, category=org.pothole, subject="保密的坑洞", channel="phone", confidential=True)
    html = client_for(org.officer).get("/desk/queue/department/").content.decode()
    row = html.split(f'id="row-{case.number}"')[1].split("</tr>")[0]
    assert 'data-label="受理時間"' in row and 'data-label="管道"' in row and "1999 話務" in row
    assert "tag-confidential" in row and 'data-label="保密"' in row


# --- saved filters ---------------------------------------------------------------------------


def test_saved_filters_save_list_overwrite_and_delete(org, client_for):
    c = client_for(org.officer)
    resp = c.post(
        "/desk/queue/filters/",
        {"scope": "department", "name": "大安逾期", "query": "district=大安區&overdue=on&sort=-received&after=xyz&evil=1"},
    )
    saved = SavedFilter.objects.get(user=org.officer, name="大安逾期")
    assert resp.status_code == 302 and resp["Location"].startswith("/desk/queue/department/?")
    assert saved.scope == "department"
    assert "after" not in saved.query and "evil" not in saved.query and "sort=-received" in saved.query
    html = c.get("/desk/queue/department/").content.decode()
    assert f'href="?{saved.query.replace("&", "&amp;")}">大安逾期</a>' in html
    # Not on another queue, and never another user's.
    assert "大安逾期" not in c.get("/desk/queue/").content.decode()
    assert "大安逾期" not in client_for(org.officer_light).get("/desk/queue/department/").content.decode()

    # Same name: overwritten, not duplicated.
    c.post("/desk/queue/filters/", {"scope": "department", "name": "大安逾期", "query": "district=大安區"})
    assert SavedFilter.objects.filter(user=org.officer).count() == 1
    assert SavedFilter.objects.get(user=org.officer).query == "district=%E5%A4%A7%E5%AE%89%E5%8D%80"

    # Nobody deletes another user's filter.
    assert client_for(org.officer_light).post(f"/desk/queue/filters/{saved.pk}/delete/").status_code == 404
    resp = c.post(f"/desk/queue/filters/{saved.pk}/delete/")
    assert resp.status_code == 302 and not SavedFilter.objects.exists()


def test_saved_filter_bad_input_is_a_clear_error(org, client_for):
    c = client_for(org.officer)
    resp = c.post("/desk/queue/filters/", {"scope": "mine", "name": "  ", "query": "q=x"}, follow=True)
    assert "請輸入名稱" in resp.content.decode() and not SavedFilter.objects.exists()
    assert c.post("/desk/queue/filters/", {"scope": "nope", "name": "x"}).status_code == 404
    assert c.get("/desk/queue/filters/").status_code == 405


# --- bulk dispatch: per-case report ----------------------------------------------------------


def _received(org, category=None, **kwargs) -> Case:
    """A case waiting in the intake queue (intake routes a category with a default at once)."""
    category = category or CategoryFactory(code="ROAD-OTHER", name="其他道路問題")
    case, _ = new_case(org, category=category, **kwargs)
    assert case.state == State.RECEIVED
    return case


def test_bulk_dispatch_to_category_default_reports_each_unroutable_case(org, client_for):
    other_road = CategoryFactory(code="ROAD-OTHER", name="其他道路問題")
    routable = _received(org, other_road, subject="可分文")
    no_default = _received(org, org.mailbox, subject="無預設單位")
    taken = _received(org, other_road, subject="已被分文")
    # The category's default department is set after these cases came in.
    Category.objects.filter(pk=other_road.pk).update(department=org.road)
    c = client_for(org.intake)
    # Someone else dispatches one meanwhile.
    services.case_dispatch(case=taken, department=org.light, by=org.admin)
    resp = c.post(
        "/desk/intake/dispatch/",
        {"cases": [routable.number, no_default.number, taken.number], "next": "/desk/intake/?sort=-received"},
        follow=True,
    )
    assert resp.redirect_chain[-1][0] == "/desk/intake/?sort=-received"
    msgs = [str(m) for m in resp.context["messages"]]
    assert any(f"已分文 1 件：{routable.number}" in m for m in msgs)
    assert f"{no_default.number}: 類別沒有預設單位，請選擇承辦單位" in msgs
    assert f"{taken.number}: 案件已不在待分文（已由他人處理），未分文" in msgs
    assert any("2 件未分文" in m for m in msgs)
    routable.refresh_from_db()
    no_default.refresh_from_db()
    assert routable.state == State.DISPATCHED and routable.department == org.road
    assert no_default.state == State.RECEIVED
    # An off-site "next" is ignored.
    resp = c.post("/desk/intake/dispatch/", {"cases": [no_default.number], "next": "https://evil.example/"})
    assert resp["Location"] == "/desk/intake/"


def test_bulk_dispatch_reports_a_version_conflict_for_that_case_only(org, monkeypatch):
    from casesys.cases.exceptions import ConcurrentUpdate

    one = _received(org)
    two = _received(org)
    real = services.case_dispatch

    def racing(*, case, department, by, note=""):
        if case.pk == one.pk:
            raise ConcurrentUpdate()
        return real(case=case, department=department, by=by, note=note)

    monkeypatch.setattr(services, "case_dispatch", racing)
    three = _received(org)
    services.case_dispatch(case=three, department=org.road, by=org.intake)
    # An administrator still sees a dispatched case: the state it moved to is named.
    result = services.cases_bulk_dispatch(
        numbers=[one.number, two.number, three.number, "CS-NOPE"], department=org.road, by=org.admin
    )
    assert result.dispatched == [two.number]
    reasons = dict(result.skipped)
    assert "案件已被他人更新" in reasons[one.number] and "找不到案件" in reasons["CS-NOPE"]
    assert reasons[three.number].startswith("案件狀態已變更（已分文），未分文 / The case changed state meanwhile (Dispatched)")


def test_bulk_dispatch_english_messages_and_nothing_ticked(org, client_for):
    case, _ = new_case(org, category=org.mailbox)
    c = client_for(org.intake)
    c.post("/i18n/setlang/", {"language": "en", "next": "/desk/intake/"})
    msgs = [str(m) for m in c.post("/desk/intake/dispatch/", {"cases": [case.number]}, follow=True).context["messages"]]
    assert f"{case.number}: The category has no default department; choose one." in msgs
    msgs = [str(m) for m in c.post("/desk/intake/dispatch/", {}, follow=True).context["messages"]]
    assert msgs == ["Tick at least one case."]


def test_intake_queue_has_a_select_all_box_and_sortable_columns(org, client_for):
    new_case(org, category=org.mailbox)
    html = client_for(org.intake).get("/desk/intake/", {"sort": "-received"}).content.decode()
    assert 'id="select-all" data-select-all="cases"' in html and 'data-select-item="cases"' in html
    assert 'aria-sort="descending"' in html
    assert "<script>" not in html.split("</head>")[1]  # behaviour lives in app.js (CSP)


# --- assign ------------------------------------------------------------------------------------


def test_assign_list_offers_only_officers_who_can_take_the_case(org, client_for, django_user_model):
    case, _ = new_case(org, category=org.pothole)  # road section
    inactive = make_staff("officer_gone", org.road, [Role.OFFICER])
    django_user_model.objects.filter(pk=inactive.pk).update(is_active=False)
    road_intake = make_staff("road_clerk", org.road, [Role.INTAKE])
    html = client_for(org.supervisor).get(f"/desk/cases/{case.number}/").content.decode()
    select = html.split('id="id_assign-assignee"')[1].split("</select>")[0]
    offered = set(re.findall(r"（([a-z_0-9]+)）", select))
    # The road officer and the supervisor over it; never another section's officer, another
    # agency's supervisor, an inactive officer or a clerk without the officer role.
    assert offered == {"officer", "supervisor"}
    assert inactive.username not in select and road_intake.username not in select

    # The service keeps the same rule.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.case_assign(case=case, assignee=inactive, by=org.supervisor)
    with pytest.raises(ValidationError):
        services.case_assign(case=case, assignee=org.officer_light, by=org.supervisor)


def test_reassigning_to_the_same_officer_is_a_no_op(org, client_for):
    case, _ = new_case(org, category=org.pothole)
    services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
    case.refresh_from_db()
    events = CaseEvent.objects.filter(case=case).count()
    notices = Notification.objects.filter(recipient_user=org.officer).count()
    version = case.version
    resp = client_for(org.supervisor).post(
        f"/desk/cases/{case.number}/actions/assign/",
        {"assign-version": case.version, "assign-assignee": org.officer.pk},
        follow=True,
    )
    msgs = list(resp.context["messages"])
    assert [m.level_tag for m in msgs] == ["info"]
    assert "未變更" in str(msgs[0])
    case.refresh_from_db()
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.ASSIGNED).count() > 1
    assert Notification.objects.filter(recipient_user=org.officer).count() == notices
    assert case.version == version


# --- notifications -----------------------------------------------------------------------------


def _notice(user, i: int, *, read: bool = False, status: str = "sent") -> Notification:
    return Notification.objects.create(
        channel="inapp",
        recipient_user=user,
        template="no_such_template",
        subject=f"通知{i:02d} / Notice {i:02d}",
        body=f"中文內容{i}\nhttps://desk.example.invalid/desk/cases/CS-{i}/\n\n— — —\n\nEnglish body {i}",
        status=status,
        read_at=timezone.now() if read else None,
    )


def test_notifications_are_paged_by_25_and_the_unread_count_matches(org, client_for):
    for i in range(30):
        _notice(org.officer, i, read=i < 4)
    _notice(org.officer, 99, status="pending")  # not delivered: neither listed nor counted
    c = client_for(org.officer)
    first = c.get("/desk/notifications/")
    html = first.content.decode()
    assert len(first.context["items"]) == 25 and first.context["paginator"].num_pages == 2
    assert 'data-unread="26"' in html and '<span id="unread-listed">26</span>' in html
    assert 'rel="next" href="?page=2"' in html
    second = c.get("/desk/notifications/", {"page": 2})
    assert len(second.context["items"]) == 5
    listed_unread = sum(1 for p in (first, second) for n in p.context["items"] if n.read_at is None)
    assert listed_unread == 26
    assert 'data-unread="26"' in c.get("/desk/notifications/count/").content.decode()
    # A page beyond the last: the last page, not an error.
    assert c.get("/desk/notifications/", {"page": "99"}).status_code == 200


def test_notifications_show_the_readers_language_and_links_as_links(org, client_for):
    _notice(org.officer, 1)
    c = client_for(org.officer)
    html = c.get("/desk/notifications/").content.decode()
    assert "通知01" in html and "Notice 01" not in html and "English body" not in html
    assert '<a href="https://desk.example.invalid/desk/cases/CS-1/"' in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/desk/notifications/"})
    html = c.get("/desk/notifications/").content.decode()
    assert "Notice 01" in html and "通知01" not in html and "English body 1" in html and "中文內容" not in html


def test_templated_notifications_render_again_in_the_readers_language(org, client_for):
    case, _ = new_case(org, category=org.pothole, subject="中正路坑洞")
    services.case_assign(case=case, assignee=org.officer, by=org.supervisor, note="請今日到場")
    # Delivered (the in-app row is the message; delivery only flips its status).
    assert Notification.objects.filter(recipient_user=org.officer, template="staff_case_assigned").exists()
    Notification.objects.filter(recipient_user=org.officer, channel="inapp").update(status="sent")
    c = client_for(org.officer)
    html = c.get("/desk/notifications/").content.decode()
    assert f"指派案件：{case.number}" in html and "Case assigned to you" not in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/desk/notifications/"})
    html = c.get("/desk/notifications/").content.decode()
    assert f"Case assigned to you: {case.number}" in html and "指派案件" not in html


def test_htmx_filtering_refreshes_the_tabs_and_the_query_a_saved_filter_takes(org, client_for):
    _mine(org, "大安的坑洞", due_in_days=3)
    resp = client_for(org.officer).get(
        "/desk/queue/", {"district": "大安區", "sort": "-received"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    )
    html = resp.content.decode()
    assert html.lstrip().startswith('<div id="queue-results">')
    assert 'form="save-filter-form" value="district=%E5%A4%A7%E5%AE%89%E5%8D%80&amp;sort=-received"' in html
    assert 'id="tab-todo"' in html and 'id="tab-waiting"' in html


def test_the_english_desk_shows_english_only(org, client_for):
    waiting = _mine(org, "已送核的坑洞", due_in_days=1)
    services.case_submit_reply(case=waiting, reply="已修補。", by=org.officer)
    c = client_for(org.officer)
    c.post("/i18n/setlang/", {"language": "en", "next": "/desk/queue/"})
    html = c.get("/desk/queue/", {"tab": "waiting"}).content.decode()
    for text in ("To do", "Waiting on others", "Received", "Confidential", "My saved filters", "Reply awaiting approval"):
        assert text in html
    for text in ("待我處理", "等待他人", "受理時間", "我的篩選", "答復待主管核定"):
        assert text not in html
