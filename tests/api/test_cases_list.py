from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casesys.cases import services
from casesys.cases.models import Case, Channel
from tests.api.conftest import case_at, cases_url
from tests.factories import new_case

pytestmark = pytest.mark.django_db

ROW_FIELDS = {
    "number",
    "subject",
    "state",
    "category",
    "department",
    "assignee",
    "channel",
    "received_at",
    "due_at",
    "overdue",
    "working_days_left",
}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_list_rows_carry_the_documented_fields(org, client_for):
    case = case_at(org, "in_progress")
    rows = client_for("officer").get(cases_url()).json()["results"]
    assert [r["number"] for r in rows] == [case.number]
    row = rows[0]
    assert set(row) == ROW_FIELDS
    assert row["category"] == "GEN-MAILBOX"
    assert row["department"] == "PWD-ROAD"
    assert row["assignee"] == "officer"
    assert row["state"] == "in_progress"
    assert row["overdue"] is False
    assert isinstance(row["working_days_left"], int) and row["working_days_left"] > 0


def test_officer_sees_only_own_department(org, client_for):
    road = case_at(org, "dispatched")
    light, _ = new_case(org, category=org.lights)
    assert numbers(client_for("officer").get(cases_url())) == [road.number]
    assert numbers(client_for("officer_light").get(cases_url())) == [light.number]
    assert set(numbers(client_for("supervisor").get(cases_url()))) == {road.number, light.number}
    assert numbers(client_for("supervisor_epb").get(cases_url())) == []


def test_filters_by_state_department_category_channel(org, client_for):
    road = case_at(org, "in_progress")
    light, _ = new_case(org, category=org.lights, channel=Channel.PHONE)
    fresh, _ = new_case(org)
    c = client_for("analyst")
    assert numbers(c.get(cases_url(), {"state": "in_progress"})) == [road.number]
    assert numbers(c.get(cases_url(), {"department": "PWD-LIGHT"})) == [light.number]
    assert numbers(c.get(cases_url(), {"category": "LIGHT-OUT"})) == [light.number]
    assert numbers(c.get(cases_url(), {"channel": "phone"})) == [light.number]
    assert numbers(c.get(cases_url(), {"state": "received"})) == [fresh.number]


def test_assignee_filter_accepts_username_and_me(org, client_for):
    mine = case_at(org, "in_progress")
    case_at(org, "dispatched")
    assert numbers(client_for("officer").get(cases_url(), {"assignee": "me"})) == [mine.number]
    assert numbers(client_for("supervisor").get(cases_url(), {"assignee": "officer"})) == [mine.number]
    assert numbers(client_for("supervisor").get(cases_url(), {"assignee": "nobody"})) == []


def test_overdue_and_date_filters(org, client_for):
    now = timezone.now()
    late = case_at(org, "in_progress")
    Case.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=1))
    old, _ = new_case(org, by=org.intake, received_at=now - dt.timedelta(days=20))
    recent = case_at(org, "dispatched")
    c = client_for("analyst")
    # The back-dated mailbox case is past its 6 working days too.
    assert set(numbers(c.get(cases_url(), {"overdue": "true"}))) == {late.number, old.number}
    assert numbers(c.get(cases_url(), {"overdue": "false"})) == [recent.number]
    before = (now - dt.timedelta(days=10)).isoformat()
    assert numbers(c.get(cases_url(), {"received_before": before})) == [old.number]
    assert set(numbers(c.get(cases_url(), {"received_after": before}))) == {late.number, recent.number}
    assert set(numbers(c.get(cases_url(), {"due_before": now.isoformat()}))) == {late.number, old.number}
    # A bare date is accepted too (midnight, Asia/Taipei).
    assert numbers(c.get(cases_url(), {"received_before": (now - dt.timedelta(days=10)).date().isoformat()})) == [old.number]


def test_open_filter_gives_an_officers_work_queue_without_closed_cases(org, client_for):
    working = case_at(org, "in_progress")
    done = case_at(org, "closed")
    c = client_for("officer")
    assert numbers(c.get(cases_url(), {"assignee": "me", "open": "true", "ordering": "due_at"})) == [working.number]
    assert numbers(c.get(cases_url(), {"assignee": "me", "open": "false"})) == [done.number]


def test_q_matches_chinese_substrings_of_subject_description_and_number(org, client_for):
    a, _ = new_case(org, subject="民權東路人行道破損", description="地磚翹起")
    b, _ = new_case(org, subject="噪音", description="夜間施工的噪音很大，請稽查")
    c = client_for("analyst")
    assert numbers(c.get(cases_url(), {"q": "行道"})) == [a.number]  # two characters, mid-word
    assert numbers(c.get(cases_url(), {"q": "施工"})) == [b.number]
    assert numbers(c.get(cases_url(), {"q": b.number[-5:]})) == [b.number]
    assert numbers(c.get(cases_url(), {"q": "不存在的詞"})) == []


def test_ordering_by_due_date(org, client_for):
    first = case_at(org, "dispatched")
    second = case_at(org, "dispatched")
    Case.objects.filter(pk=first.pk).update(due_at=timezone.now() + dt.timedelta(days=9))
    Case.objects.filter(pk=second.pk).update(due_at=timezone.now() + dt.timedelta(days=2))
    c = client_for("analyst")
    assert numbers(c.get(cases_url(), {"ordering": "due_at"})) == [second.number, first.number]
    assert numbers(c.get(cases_url(), {"ordering": "-due_at"})) == [first.number, second.number]
    assert numbers(c.get(cases_url(), {"ordering": "received_at"})) == [first.number, second.number]
    assert numbers(c.get(cases_url())) == [second.number, first.number]  # newest first


def test_cursor_pagination_walks_every_case_once(org, client_for):
    made = {new_case(org)[0].number for _ in range(5)}
    c = client_for("analyst")
    seen: list[str] = []
    url, params = cases_url(), {"page_size": 2}
    while url:
        body = c.get(url, params).json()
        seen += [r["number"] for r in body["results"]]
        url, params = body["next"], None
    assert sorted(seen) == sorted(made)


def test_invalid_filter_values_answer_400_with_field_messages(org, client_for):
    c = client_for("analyst")
    for params, field in [
        ({"state": "bogus"}, "state"),
        ({"channel": "pigeon"}, "channel"),
        ({"due_before": "not-a-date"}, "due_before"),
        ({"received_after": "2026-13-45"}, "received_after"),
        ({"q": "a\x00b"}, "q"),
    ]:
        r = c.get(cases_url(), params)
        assert r.status_code == 400, (params, r.content)
        assert field in r.json()["errors"]


def test_bad_cursor_is_a_json_404(org, client_for):
    r = client_for("analyst").get(cases_url(), {"cursor": "garbage"})
    assert r.status_code == 404
    assert r.json()["detail"]


def test_query_count_does_not_grow_with_rows(org, client_for):
    from django.contrib.auth import get_user_model

    def c():
        # A fresh user object per request, as in production (no cached staff profile).
        return client_for(get_user_model().objects.get(username="supervisor"))

    for _ in range(2):
        case_at(org, "in_progress")
    c().get(cases_url())  # loads the recent calendar snapshot both measured requests reuse
    with CaptureQueriesContext(connection) as few:
        assert c().get(cases_url()).status_code == 200
    for _ in range(6):
        case = case_at(org, "dispatched")
        services.case_assign(case=case, assignee=org.officer, by=org.supervisor)
    with CaptureQueriesContext(connection) as many:
        assert len(c().get(cases_url()).json()["results"]) == 8
    assert len(many) == len(few), ([q["sql"][:90] for q in few.captured_queries], [q["sql"][:90] for q in many.captured_queries])


def test_closed_cases_have_no_working_days_left_and_are_not_overdue(org, client_for):
    closed = case_at(org, "closed")
    Case.objects.filter(pk=closed.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    row = client_for("analyst").get(cases_url()).json()["results"][0]
    assert row["working_days_left"] is None
    assert row["overdue"] is False


def test_list_never_carries_petitioner_identity(org, client_for):
    new_case(org, petitioner={"name": "林美玲", "phone": "0987654321", "email": "mei@example.invalid"})
    for role in ("intake", "analyst", "admin", "supervisor"):
        text = client_for(role).get(cases_url()).content.decode()
        for secret in ("林美玲", "0987654321", "mei@example.invalid"):
            assert secret not in text, role


def test_fast_list_rows_equal_the_documented_serializer(org):
    from django.utils import timezone as tz

    from casesys.api import serializers as s
    from casesys.cases.selectors import case_list_for
    from casesys.workcal.calendar import WorkCalendar

    for state in ("received", "dispatched", "in_progress", "closed"):
        case_at(org, state)
    late = case_at(org, "in_progress")
    Case.objects.filter(pk=late.pk).update(due_at=tz.now() - dt.timedelta(days=3))
    calendar, now = WorkCalendar.load(), tz.now()
    qs = case_list_for(org.admin).order_by("number")
    documented = s.CaseRowSerializer(qs, many=True, context={"calendar": calendar, "now": now}).data
    fast = s.case_rows(list(qs.values(*s.CASE_ROW_VALUES)), calendar=calendar, now=now)
    assert [dict(row) for row in documented] == fast
