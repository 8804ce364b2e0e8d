"""Typed audit: event kinds are `CaseEventKind` members everywhere but casesys/cases/events.py.

The test reads the source tree: a kind spelt as a string (`kind="closed"`, `event.kind ==
"filed"`, `kind in ("extension_approved", …)`) fails it, so a renamed or misspelt kind cannot
slip past the receivers, the timeline texts, the reports or the API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from casesys.cases.events import PUBLIC_TEXT, CaseEventKind
from casesys.cases.models import CaseEvent

ROOT = Path(__file__).resolve().parents[2]
TREES = ("casesys", "integrations", "workers")
THE_ONE_PLACE = Path("casesys/cases/events.py")
KINDS = set(CaseEventKind.values)


def _is_kind_expr(node: ast.AST) -> bool:
    """`kind`, `event.kind`, `e.kind` …"""
    return (isinstance(node, ast.Name) and node.id in {"kind", "event_kind"}) or (
        isinstance(node, ast.Attribute) and node.attr == "kind"
    )


def _kind_literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and node.value in KINDS:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in KINDS]
    return []


def kind_literals(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in {"kind", "event_kind", "kind__in"}:
                    found += [(node.lineno, v) for v in _kind_literals(kw.value)]
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_kind_expr(s) for s in sides):
                for s in sides:
                    found += [(node.lineno, v) for v in _kind_literals(s)]
    return found


def test_the_guard_catches_the_usual_spellings():
    source = (
        "record_event(case=c, kind='closed')\n"
        "CaseEvent.objects.filter(kind='reopened')\n"
        "if event.kind == 'second_reply': pass\n"
        "if kind in ('extension_approved', 'extension_rejected'): pass\n"
        "CaseEvent.objects.filter(kind__in=['filed'])\n"
        "chat_message_record(kind='text')\n"  # a message kind, not an event kind
        "record_event(case=c, kind=CaseEventKind.CLOSED)\n"
        "if case.state == 'closed': pass\n"  # a state, not an event kind
    )
    assert sorted(line for line, _ in kind_literals(source)) == [1, 2, 3, 4, 4, 5]


def _offenders(trees) -> dict[str, list[tuple[int, str]]]:
    offenders = {}
    for tree in trees:
        for path in sorted((ROOT / tree).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel == THE_ONE_PLACE or "migrations" in rel.parts or path == Path(__file__):
                continue
            hits = kind_literals(path.read_text(encoding="utf-8"))
            if hits:
                offenders[str(rel)] = hits
    return offenders


def test_no_event_kind_is_spelt_as_a_string_outside_events_py():
    assert _offenders(TREES) == {}


def test_events_are_recorded_only_through_their_kind_functions():
    """`record_event` is events.py's own: elsewhere an event is `events.event_<kind>(…)`."""
    callers = {}
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel == THE_ONE_PLACE or "migrations" in rel.parts:
                continue
            lines = [
                node.lineno
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Call)
                and (getattr(node.func, "id", None) == "record_event" or getattr(node.func, "attr", None) == "record_event")
            ]
            if lines:
                callers[str(rel)] = lines
    assert callers == {}


def test_tests_query_events_by_their_kind_member_too():
    # Tests may spell a kind only where they check what the API answers (`body["kind"]`).
    assert _offenders(["tests"]) == {}


def test_every_kind_has_a_label_and_its_own_function_and_public_texts_name_real_kinds():
    from casesys.cases import events

    for kind in CaseEventKind:
        assert " / " in str(kind.label), kind
        assert callable(getattr(events, f"event_{kind.value}", None)), f"events.event_{kind.value} is missing"
    assert set(PUBLIC_TEXT) <= set(CaseEventKind)
    assert CaseEvent._meta.get_field("kind").choices == CaseEventKind.choices


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_before_anything_is_written(org):
    from casesys.cases.events import record_event
    from tests.factories import new_case

    case, _ = new_case(org)
    before = case.events.count()
    with pytest.raises(ValueError):
        record_event(case=case, kind="cloesd")
    assert case.events.count() == before
