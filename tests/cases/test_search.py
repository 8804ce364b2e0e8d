"""Chinese substring search (bigram GIN index on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from casesys.cases.models import Case, Channel
from casesys.cases.search import SINGLE_CHAR_LIMIT, case_search, case_search_text, text_bigrams
from casesys.cases.selectors import case_search as selectors_case_search
from casesys.cases.selectors import cases_visible_to
from tests.factories import new_case

pytestmark = pytest.mark.django_db

WORDS = ["路燈", "不亮", "道路", "坑洞", "噪音", "垃圾", "停車", "公園", "排水", "淹水", "施工", "機車", "行人", "危險", "LED", "B1", "改善"]


def _bulk_cases(org, texts: list[tuple[str, str]]) -> list[Case]:
    """Cases written by bulk_create: no ORM save(), so only the trigger can fill the index."""
    now = timezone.now()
    cases = [
        Case(
            number=f"BK-1151122-{i:05d}",
            password_hash="x",
            channel=Channel.WEB,
            category=org.mailbox,
            subject=subject,
            description=description,
            received_at=now - dt.timedelta(minutes=i),
            due_at=now + dt.timedelta(days=6),
            dispatch_due_at=now + dt.timedelta(days=1),
        )
        for i, (subject, description) in enumerate(texts, start=1)
    ]
    return Case.objects.bulk_create(cases)


def _numbers(qs) -> set[str]:
    return set(qs.values_list("number", flat=True))


def _ilike_numbers(q: str) -> set[str]:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT number FROM cases_case WHERE subject ILIKE %s OR description ILIKE %s OR number ILIKE %s",
            [pattern, pattern, pattern],
        )
        return {r[0] for r in cur.fetchall()}


def test_two_character_term_finds_exactly_the_cases_containing_it(org):
    lit, _ = new_case(org, subject="中山路路燈不亮", description="巷口很暗。")
    desc, _ = new_case(org, subject="夜間照明不足", description="公園旁的路燈壞了三天")
    new_case(org, subject="道路坑洞", description="機車險摔，請儘速修補。")

    assert _numbers(case_search(Case.objects.all(), "路燈")) == {lit.number, desc.number}


def test_one_character_term_is_a_substring_match(org):
    a, _ = new_case(org, subject="路燈不亮", description="很暗")
    b, _ = new_case(org, subject="照明", description="燈泡壞了")
    new_case(org, subject="道路坑洞", description="請修補")

    assert _numbers(case_search(Case.objects.all(), "燈")) == {a.number, b.number}
    assert SINGLE_CHAR_LIMIT >= 2


def test_longer_term_needs_the_characters_contiguous_not_just_its_bigrams(org):
    whole, _ = new_case(org, subject="民權路路燈不亮", description="請修理")
    # Contains 路燈, 燈不 and 不亮, but not 路燈不亮 as one run.
    scattered, _ = new_case(org, subject="路燈壞了燈不亮", description="也有路燈不會亮的情形")

    assert _numbers(case_search(Case.objects.all(), "路燈不亮")) == {whole.number}
    assert scattered.number in _numbers(case_search(Case.objects.all(), "燈不亮"))


def test_mixed_english_and_numbers_are_case_insensitive(org):
    led, _ = new_case(org, subject="LED路燈閃爍", description="B1停車場出口")
    new_case(org, subject="路燈閃爍", description="停車場出口")

    assert _numbers(case_search(Case.objects.all(), "led路燈")) == {led.number}
    assert _numbers(case_search(Case.objects.all(), "b1停車")) == {led.number}


def test_search_by_whole_and_partial_case_number(org):
    a, _ = new_case(org)
    b, _ = new_case(org)

    assert _numbers(case_search(Case.objects.all(), a.number)) == {a.number}
    assert _numbers(case_search(Case.objects.all(), a.number.lower())) == {a.number}
    tail = a.number.rsplit("-", 1)[1]
    assert a.number in _numbers(case_search(Case.objects.all(), tail))
    date_part = a.number.split("-")[1]
    assert _numbers(case_search(Case.objects.all(), date_part)) >= {a.number, b.number}


def test_like_wildcards_in_the_query_are_literal(org):
    pct, _ = new_case(org, subject="電費漲了100%", description="太貴")
    new_case(org, subject="電費漲了1000元", description="太貴")
    under, _ = new_case(org, subject="帳號a_b無法登入", description="請協助")

    assert _numbers(case_search(Case.objects.all(), "100%")) == {pct.number}
    assert _numbers(case_search(Case.objects.all(), "a_b")) == {under.number}


def test_empty_blank_and_nul_queries_do_not_fail(org):
    new_case(org)
    qs = Case.objects.all()
    assert case_search(qs, "") is qs
    assert case_search(qs, "   ") is qs
    assert list(case_search(qs, "路\x00燈")) is not None


def test_results_equal_plain_ilike_on_a_random_sample(org):
    rng = random.Random(8)
    texts = [
        ("".join(rng.choices(WORDS, k=3)), "，".join("".join(rng.choices(WORDS, k=4)) for _ in range(3)))
        for _ in range(120)
    ]
    _bulk_cases(org, texts)
    terms = ["路燈", "燈不", "不亮", "路燈不亮", "led", "LED路", "b1", "坑洞噪音", "園排", "，公", "燈", "亮", "BK-115", "恐龍", "路 燈"]
    terms += [w1 + w2 for w1, w2 in (rng.sample(WORDS, 2) for _ in range(20))]
    for term in terms:
        assert _numbers(case_search(Case.objects.all(), term)) == _ilike_numbers(term), term


def test_index_follows_queryset_update_and_save(org):
    case, _ = new_case(org, subject="路燈不亮", description="很暗")
    Case.objects.filter(pk=case.pk).update(subject="颱風後樹木倒塌", description="擋住車道")

    assert _numbers(case_search(Case.objects.all(), "樹木")) == {case.number}
    assert _numbers(case_search(Case.objects.all(), "路燈")) == set()

    case.refresh_from_db()
    case.description = "另有電線掉落"
    case.save()
    assert _numbers(case_search(Case.objects.all(), "電線")) == {case.number}


def test_search_keeps_the_callers_scope(org):
    road, _ = new_case(org, category=org.pothole, subject="路燈旁坑洞")
    light, _ = new_case(org, category=org.lights, subject="路燈不亮")
    road.department = org.road
    light.department = org.light
    Case.objects.filter(pk=road.pk).update(department=org.road)
    Case.objects.filter(pk=light.pk).update(department=org.light)

    visible = cases_visible_to(org.officer)
    assert _numbers(selectors_case_search(visible, "路燈")) == {road.number}


def test_python_mirror_matches_the_database_function(org):
    samples = ["CS-1151122-00001\n中山路路燈不亮\n夜間  危險，請修。", "Ab 路\tLED燈", "x", "", "一二三四五六"]
    with connection.cursor() as cur:
        for text in samples:
            cur.execute("SELECT casesys_bigrams(%s)", [text])
            assert set(cur.fetchone()[0]) == text_bigrams(text), text
        cur.execute("SELECT casesys_case_search_text('N', 'S', 'D')")
        assert cur.fetchone()[0] == case_search_text("N", "S", "D")


def test_two_character_search_uses_the_bigram_index(org):
    _bulk_cases(org, [("路燈不亮", "很暗")] * 50)
    qs = case_search(Case.objects.all(), "路燈").order_by("-received_at")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
    assert "case_search_bigrams_gin" in qs.explain()


def test_single_character_search_inside_a_subquery_keeps_its_meaning(org):
    _bulk_cases(org, [("路燈不亮", "很暗")] * 5 + [("坑洞", "危險")] * 3)

    hits = case_search(Case.objects.all(), "燈")
    assert hits.count() == 5
    # The same search used as a subquery (Django relabels the table there).
    assert Case.objects.filter(pk__in=case_search(Case.objects.all(), "路燈").values("pk")).count() == 5
    assert Case.objects.filter(pk__in=hits.values("pk")).count() == 5
