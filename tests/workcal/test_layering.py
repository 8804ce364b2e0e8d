"""The calendar sits below the cases app: it announces day changes, cases move deadlines."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casesys.workcal.models import CalendarOverride
from casesys.workcal.services import office_close
from casesys.workcal.signals import calendar_day_changed
from tests.factories import new_case

TPE = ZoneInfo("Asia/Taipei")
WORKCAL = Path(__file__).resolve().parents[2] / "casesys" / "workcal"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_under_workcal_imports_the_cases_app():
    offenders = {
        str(path.relative_to(WORKCAL)): sorted(n for n in _imported_modules(path) if n.startswith("casesys.cases"))
        for path in WORKCAL.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.django_db
def test_typhoon_closure_reports_the_cases_it_moved(org):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE), tick=False):  # Monday
        case, _ = new_case(org)
        _, moved = office_close(day=dt.date(2026, 11, 25), reason="颱風停班")
    assert moved == 1
    case.refresh_from_db()
    assert case.due_at == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=TPE)


@pytest.mark.django_db
def test_a_failing_receiver_rolls_the_calendar_change_back(org):
    def broken(**kwargs):
        raise RuntimeError("receiver failed")

    calendar_day_changed.connect(broken, dispatch_uid="test.broken")
    try:
        with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE), tick=False):
            case, _ = new_case(org)
            with pytest.raises(RuntimeError):
                office_close(day=dt.date(2026, 11, 25), reason="颱風停班")
    finally:
        calendar_day_changed.disconnect(dispatch_uid="test.broken")
    assert not CalendarOverride.objects.filter(date=dt.date(2026, 11, 25)).exists()
    case.refresh_from_db()
    assert case.due_at == dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=TPE)
