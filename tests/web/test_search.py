"""Staff search (/desk/search/) and the intake form's caller lookup."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from casesys.cases.models import Case, IdentitySearch, State
from casesys.cases.staff_search import (
    Criteria,
    caller_cases,
    identity_search_digest,
    search_page,
    text_variants,
)
from casesys.logconf import redact_secrets
from tests.factories import new_case

pytestmark = pytest.mark.django_db

URL = "/desk/search/"


def _numbers(resp) -> set[str]:
    return {row["case"].number for row in resp.context["rows"]}


def _closed(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()
    return case


def test_officer_finds_own_department_cases_open_or_closed_but_not_other_departments(org, client_for):
    mine, _ = new_case(org, category=org.pothole, subject="中正路坑洞很深")
    old, _ = new_case(org, category=org.pothole, subject="中正路坑洞又出現")
    _closed(old)
    other, _ = new_case(org, category=org.lights, subject="中正路坑洞旁路燈", confidential=True)
    assert other.department == org.light and mine.department == org.road
    resp = client_for(org.officer).get(URL, {"q": "坑洞"})
    assert resp.status_code == 200
    assert _numbers(resp) == {mine.number, old.number}
    # By number too: another department's confidential case cannot be found at all.
    resp = client_for(org.officer).get(URL, {"number": other.number})
    assert _numbers(resp) == set()
    # The supervisor of both sections finds all three.
    resp = client_for(org.supervisor).get(URL, {"q": "坑洞"})
    assert _numbers(resp) == {mine.number, old.number, other.number}


def test_analyst_can_search_everything_by_text_but_not_by_personal_data(org, client_for):
    a, _ = new_case(org, category=org.pothole, subject="堤防裂縫")
    b, _ = new_case(org, category=org.lights, subject="堤防路燈")
    c = client_for(org.analyst)
    resp = c.get(URL, {"q": "堤防", "state": "open"})
    assert resp.status_code == 200 and _numbers(resp) == {a.number, b.number}
    html = resp.content.decode()
    assert 'name="petitioner_phone"' not in html  # no personal-data fields for analysts
    resp = c.get(URL, {"petitioner_phone": "0912345678"})
    assert resp.status_code == 403 and resp.context["page"] is None
    assert not IdentitySearch.objects.exists()


def test_simplified_chinese_finds_traditional_text(org, client_for):
    case, _ = new_case(org, category=org.lights, subject="公園路燈不亮", description="晚上很暗，請盡快處理。")
    assert text_variants("路灯") == ["路灯", "路燈"]
    resp = client_for(org.supervisor).get(URL, {"q": "路灯不亮"})
    assert _numbers(resp) == {case.number}
    resp = client_for(org.supervisor).get(URL, {"q": "尽快处理"})
    assert _numbers(resp) == {case.number}


def test_phone_search_is_normalised_audited_and_masked(org, client_for, caplog):
    case, _ = new_case(
        org, category=org.pothole, subject="門口坑洞",
        petitioner={"name": "林志明", "phone": "0922-111-333", "email": "lin@example.invalid"},
    )
    new_case(org, category=org.pothole, subject="別人的坑洞", petitioner={"name": "陳大文", "phone": "0933444555"})
    c = client_for(org.supervisor)
    with caplog.at_level(logging.DEBUG):
        resp = c.get(URL, {"petitioner_phone": "+886 922 111 333"})
    assert resp.status_code == 200 and _numbers(resp) == {case.number}
    audit = IdentitySearch.objects.get()
    assert audit.actor == org.supervisor and audit.source == "search" and audit.fields == ["phone"]
    assert audit.masked_terms == {"phone": "09xx-xxx-333"}
    assert audit.case_numbers == [case.number] and audit.result_count == 1
    assert audit.digests["phone"] == identity_search_digest("phone", "0922111333")
    stored = str(IdentitySearch.objects.values().get())
    assert "0922111333" not in stored and "922 111 333" not in stored
    assert "922" not in caplog.text or "111" not in caplog.text
    # Request lines quoting the URL are redacted like passwords.
    assert "0922" not in redact_secrets("GET /desk/search/?petitioner_phone=0922111333&q=x HTTP/1.1")
    # By e-mail (case-insensitive) and by the whole name.
    assert _numbers(c.get(URL, {"petitioner_email": "LIN@example.invalid"})) == {case.number}
    assert _numbers(c.get(URL, {"petitioner_name": "林志明"})) == {case.number}
    assert _numbers(c.get(URL, {"petitioner_name": "林"})) == set()
    assert IdentitySearch.objects.count() == 4
    # The petitioner column is masked for a supervisor (no reveal without the audited button).
    html = c.get(URL, {"petitioner_name": "林志明"}).content.decode()
    assert "林○明" in html


def test_personal_data_search_skips_confidential_cases_without_the_reveal_permission(org, client_for):
    secret, _ = new_case(
        org, category=org.pothole, subject="檢舉違建", confidential=True,
        petitioner={"name": "王小明", "phone": "0955666777"},
    )
    c = client_for(org.supervisor)
    assert _numbers(c.get(URL, {"petitioner_phone": "0955666777"})) == set()
    # ... but the text search still finds the case itself (no identity involved).
    assert _numbers(c.get(URL, {"q": "違建"})) == {secret.number}
    org.supervisor.user_permissions.add(Permission.objects.get(codename="reveal_confidential"))
    c = client_for(type(org.supervisor).objects.get(pk=org.supervisor.pk))
    assert _numbers(c.get(URL, {"petitioner_phone": "0955666777"})) == {secret.number}


def test_officer_cannot_search_by_personal_data(org, client_for):
    new_case(org, category=org.pothole, petitioner={"name": "林志明", "phone": "0922111333"})
    resp = client_for(org.officer).get(URL, {"petitioner_phone": "0922111333"})
    assert resp.status_code == 403 and not IdentitySearch.objects.exists()


def test_bad_input_gives_form_errors(org, client_for):
    c = client_for(org.supervisor)
    resp = c.get(URL, {"received_from": "2026-03-10", "received_to": "2026-03-01"})
    assert resp.status_code == 400 and "received_to" in resp.context["form"].errors
    assert 'role="alert"' in resp.content.decode()
    resp = c.get(URL, {"received_from": "not-a-date"})
    assert resp.status_code == 400
    resp = c.get(URL, {"petitioner_phone": "12"})
    assert resp.status_code == 400 and "petitioner_phone" in resp.context["form"].errors
    resp = c.get(URL, {"category": "abc", "state": "bogus"})
    assert resp.status_code == 400
    assert not IdentitySearch.objects.exists()


def test_filters_number_prefix_dates_category_department_channel_state_and_order(org, client_for):
    t0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
    with time_machine.travel(t0 + dt.timedelta(days=7), tick=False):
        a, _ = new_case(org, category=org.pothole, subject="甲", received_at=t0)
        b, _ = new_case(org, category=org.pothole, subject="乙", received_at=t0 + dt.timedelta(days=3), channel="phone")
        c_, _ = new_case(org, category=org.lights, subject="丙", received_at=t0 + dt.timedelta(days=6))
    _closed(b)
    c = client_for(org.supervisor)
    assert _numbers(c.get(URL, {"number": a.number})) == {a.number}
    assert a.number in _numbers(c.get(URL, {"number": a.number[:10]}))
    assert _numbers(c.get(URL, {"received_from": "2026-03-04", "received_to": "2026-03-05"})) == {b.number}
    assert _numbers(c.get(URL, {"category": org.lights.pk})) == {c_.number}
    assert _numbers(c.get(URL, {"department": org.road.pk})) == {a.number, b.number}
    assert _numbers(c.get(URL, {"department": org.pwd.pk})) == {a.number, b.number, c_.number}
    assert _numbers(c.get(URL, {"channel": "phone"})) == {b.number}
    assert _numbers(c.get(URL, {"state": "closed"})) == {b.number}
    assert _numbers(c.get(URL, {"state": State.CLOSED})) == {b.number}
    newest = [r["case"].number for r in c.get(URL, {"q": "", "sort": "-received"}).context["rows"]]
    oldest = [r["case"].number for r in c.get(URL, {"sort": "received"}).context["rows"]]
    assert newest == [c_.number, b.number, a.number] and oldest == list(reversed(newest))


def test_search_pages_by_keyset(org):
    for i in range(7):
        new_case(org, category=org.pothole, subject=f"坑洞{i}", received_at=timezone.now() - dt.timedelta(hours=i))
    first = search_page(user=org.supervisor, criteria=Criteria(q="坑洞"), page_size=3)
    assert len(first.rows) == 3 and first.next_cursor and first.count is None
    assert search_page(user=org.supervisor, criteria=Criteria(q="坑洞"), page_size=10).count == 7
    second = search_page(user=org.supervisor, criteria=Criteria(q="坑洞"), page_size=3, after=first.next_cursor)
    assert not {c.pk for c in first.rows} & {c.pk for c in second.rows}
    back = search_page(user=org.supervisor, criteria=Criteria(q="坑洞"), page_size=3, before=second.prev_cursor)
    assert [c.pk for c in back.rows] == [c.pk for c in first.rows]


def test_search_page_in_the_nav_and_results_link_to_the_case(org, client_for):
    case, _ = new_case(org, category=org.pothole, subject="人行道破損")
    html = client_for(org.analyst).get(URL, {"q": "人行道"}).content.decode()
    assert 'href="/desk/search/"' in html
    assert f'href="/desk/cases/{case.number}/"' in html


# --- the intake form's caller lookup ---------------------------------------------------------


def test_intake_lookup_shows_the_callers_earlier_cases_and_is_audited(org, client_for):
    earlier, _ = new_case(
        org, by=org.intake, channel="phone", category=org.mailbox, subject="垃圾車沒來",
        petitioner={"name": "張三", "phone": "0911222333"},
    )
    c = client_for(org.intake)
    form = c.get("/desk/intake/new/").content.decode()
    assert 'id="caller-cases-box"' in form and "/desk/intake/caller-cases/" in form
    # Incomplete numbers query nothing and leave no audit row.
    resp = c.post("/desk/intake/caller-cases/", {"phone": "0911-22"})
    assert resp.status_code == 200 and earlier.number not in resp.content.decode()
    assert not IdentitySearch.objects.exists()
    resp = c.post("/desk/intake/caller-cases/", {"phone": "0911-222-333"})
    html = resp.content.decode()
    assert earlier.number in html and "垃圾車沒來" in html and f'/desk/cases/{earlier.number}/' in html
    assert "張三" not in html  # numbers, subjects, states and dates only
    audit = IdentitySearch.objects.get()
    assert audit.source == "intake" and audit.masked_terms == {"phone": "09xx-xxx-333"}
    # A number without earlier cases says so.
    assert "此電話沒有您可檢視的先前案件" in c.post("/desk/intake/caller-cases/", {"phone": "0988777666"}).content.decode()


def test_intake_lookup_is_for_intake_roles_only(org, client_for):
    assert client_for(org.officer).post("/desk/intake/caller-cases/", {"phone": "0911222333"}).status_code == 403
    assert client_for(org.intake).get("/desk/intake/caller-cases/").status_code == 405


def test_caller_cases_selector_needs_a_complete_number(org):
    assert caller_cases(user=org.intake, phone="0911") is None
    assert caller_cases(user=org.intake, phone="0911222333") == ([], False)


# --- the API ----------------------------------------------------------------------------------


def test_api_case_list_by_phone_is_audited_and_q_finds_traditional_from_simplified(org):
    from rest_framework.test import APIClient

    case, _ = new_case(org, category=org.lights, subject="公園路燈不亮", petitioner={"name": "林志明", "phone": "0922111333"})
    new_case(org, category=org.pothole, subject="坑洞", petitioner={"name": "陳大文", "phone": "0933444555"})
    api = APIClient()
    api.force_authenticate(org.supervisor)
    resp = api.get("/api/v1/cases/", {"phone": "+886-922-111-333"})
    assert resp.status_code == 200, resp.content
    assert [r["number"] for r in resp.json()["results"]] == [case.number]
    audit = IdentitySearch.objects.get()
    assert audit.source == "api" and audit.case_numbers == [case.number] and audit.masked_terms == {"phone": "09xx-xxx-333"}
    resp = api.get("/api/v1/cases/", {"q": "公园路灯"})
    assert [r["number"] for r in resp.json()["results"]] == [case.number]
    assert api.get("/api/v1/cases/", {"phone": "12"}).status_code == 400
    api.force_authenticate(org.officer)
    assert api.get("/api/v1/cases/", {"phone": "0922111333"}).status_code == 403
    assert IdentitySearch.objects.count() == 1


def test_scoped_text_search_falls_back_from_the_walk_with_the_same_answer(org, monkeypatch):
    from casesys.cases import staff_search

    # As for a common term in a large archive (a test database's rare terms skip the walk).
    monkeypatch.setattr(staff_search, "term_is_rare", lambda q, scoped=False: False)
    cases = [new_case(org, category=org.pothole, subject=f"坑洞{i}")[0] for i in range(3)]
    expected = [c.number for c in reversed(cases)]
    assert [c.number for c in search_page(user=org.officer, criteria=Criteria(q="坑洞")).rows] == expected
    # Past the walk's budget the page comes from the bitmap and a sort: the same answer.
    ordered = staff_search._ordered
    monkeypatch.setattr(staff_search, "_ordered", lambda qs, order, walk: ordered(qs, order, walk=False))
    assert [c.number for c in search_page(user=org.officer, criteria=Criteria(q="坑洞")).rows] == expected
    asc = search_page(user=org.officer, criteria=Criteria(q="坑洞", ascending=True)).rows
    assert [c.number for c in asc] == list(reversed(expected))
    # A walk cut off by the statement timeout is answered the other way, not with an error.
    monkeypatch.setattr(staff_search, "_ordered", ordered)
    monkeypatch.setattr(staff_search, "WALK_BUDGET_MS", 1)
    sleepy = staff_search._ordered

    def slow(qs, order, walk):
        if walk:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("SELECT pg_sleep(0.05)")
        return sleepy(qs, order, walk=walk)

    monkeypatch.setattr(staff_search, "_ordered", slow)
    assert [c.number for c in search_page(user=org.officer, criteria=Criteria(q="坑洞")).rows] == expected


def test_the_audit_is_listed_read_only_in_the_admin(org, client_for):
    new_case(org, category=org.pothole, petitioner={"name": "林志明", "phone": "0922111333"})
    search_page(user=org.supervisor, criteria=Criteria(phone="0922111333"))
    c = client_for(org.admin)
    digest = identity_search_digest("phone", "0922-111-333")
    html = c.get("/admin/cases/identitysearch/", {"q": digest}).content.decode()
    assert "09xx-xxx-333" in html and "0922111333" not in html
    assert c.get("/admin/cases/identitysearch/add/").status_code == 403


def test_intake_lookup_shows_a_callers_case_already_with_a_department_without_a_link(org, client_for):
    # Written in the mailbox by the caller last week and dispatched since: outside the intake
    # operator's queue scope, but exactly the repeat the lookup is there to catch.
    from casesys.cases import services

    earlier, _ = new_case(org, channel="web", category=org.pothole, subject="中正路坑洞很深",
                          petitioner={"name": "李四", "phone": "0922333444"})
    if earlier.state == State.RECEIVED:  # unless the category routed it at once
        services.case_dispatch(case=earlier, department=org.road, by=org.intake)
    earlier.refresh_from_db()
    assert earlier.state != State.RECEIVED and earlier.department is not None
    secret, _ = new_case(org, channel="web", category=org.pothole, subject="鄰居違建", confidential=True,
                         petitioner={"name": "李四", "phone": "0922333444"})
    html = client_for(org.intake).post("/desk/intake/caller-cases/", {"phone": "0922-333-444"}).content.decode()
    assert earlier.number in html and "中正路坑洞很深" in html
    assert f"/desk/cases/{earlier.number}/" not in html  # shown, not openable by intake
    assert "李四" not in html
    assert secret.number not in html  # a confidential case only for those who may reveal it
    assert IdentitySearch.objects.get().case_numbers == [earlier.number]


def test_a_rare_term_is_read_from_the_bigram_bitmap_and_a_common_one_walked(monkeypatch):
    from casesys.cases import search

    # 1,000,000 cases: 霸凌 in 0.5 % of them, 煙火 in 0.9 %, 垃圾 in 3 %, 路燈 in 10 %.
    monkeypatch.setitem(search._STATS, "at", float("inf"))
    monkeypatch.setitem(search._STATS, "freq", {"霸凌": 0.005, "煙火": 0.009, "垃圾": 0.03, "路燈": 0.10})
    monkeypatch.setitem(search._STATS, "rows", 1_000_000.0)
    assert search.term_is_rare("霸凌") and search.term_is_rare("煙火") and search.term_is_rare("恐龍")  # absent: rarest
    assert not search.term_is_rare("垃圾") and not search.term_is_rare("路燈")
    # A unit's searcher: its walk reads ~1/share more rows, so the bitmap wins for commoner terms.
    assert search.term_is_rare("垃圾", scoped=True) and not search.term_is_rare("路燈", scoped=True)
    assert search.term_share("恐龍") == 0.0025  # absent from the list: half the rarest listed
    assert search.term_is_rare("路燈不亮")  # the rarest bigram decides: 不亮 is not among the common ones


def test_a_rare_terms_page_is_read_from_a_window_of_receipt_time_then_the_rest(org, monkeypatch):
    from casesys.cases import staff_search

    monkeypatch.setattr(staff_search, "term_is_rare", lambda q, scoped=False: True)
    start = timezone.now() - dt.timedelta(days=60)
    cases = []
    for day in range(0, 60, 6):  # one match every six days, oldest first
        case, _ = new_case(org, category=org.pothole, subject=f"水溝蓋鬆動 第{day}天")
        Case.objects.filter(pk=case.pk).update(received_at=start + dt.timedelta(days=day))
        cases.append(case.number)
    newest_first = list(reversed(cases))
    staff_search._SPAN["at"] = float("-inf")  # the span of this test's cases, not a cached one

    def pages(**extra):
        seen, after = [], None
        while True:
            page = search_page(user=org.admin, criteria=Criteria(q="水溝蓋", **extra), after=after, page_size=3)
            seen += [c.number for c in page.rows]
            if not page.next_cursor:
                return seen
            after = page.next_cursor

    # No statistics (a small table): the whole archive at once.
    assert pages() == newest_first
    # A window of ten days holds fewer than a page (3 + 1) here: the rest of the archive fills it,
    # in order, page after page, newest first and oldest first.
    monkeypatch.setattr(staff_search, "_window", lambda q, limit, span: dt.timedelta(days=10))
    assert pages() == newest_first
    assert pages(ascending=True) == cases
    # A window that holds a whole page answers from the window alone.
    monkeypatch.setattr(staff_search, "_window", lambda q, limit, span: dt.timedelta(days=40))
    assert pages() == newest_first
    staff_search._SPAN["at"] = float("-inf")
