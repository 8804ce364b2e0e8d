"""XLSX exports open as spreadsheets people can work with: real date cells with a number
format, a frozen header row, an autofilter over each table, and the report's period, filters,
scope and time of export written into the file (the last sheet, "條件 Filters")."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from casesys.reports import exports
from tests.factories import new_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)  # a Friday



def _book(resp):
    assert resp.status_code == 200, resp.content[:500]
    return load_workbook(io.BytesIO(resp.content))


def _filters(wb) -> dict:
    # In the reader's language: Chinese here.
    assert wb.sheetnames[-1] == exports.reader_text(exports.FILTERS_SHEET) == "條件"
    ws = wb["條件"]
    assert [c.value for c in ws[1]] == ["項目", "值"]
    return {label: cell for label, cell in ((r[0].value, r[1]) for r in ws.iter_rows(min_row=2))}


def _assert_table(ws, header):
    assert [c.value for c in ws[1]] == [exports.reader_text(h) for h in header]
    assert ws.freeze_panes == "A2"
    last = ws.cell(1, len(header)).column_letter
    assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"


@pytest.fixture
def overdue_case(org):
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
        case, _ = new_case(org, category=org.lights)
    return case


def test_overdue_export_has_date_cells_frozen_header_autofilter_and_filters(org, client_for, overdue_case):
    with time_machine.travel(NOW, tick=False):
        wb = _book(client_for(org.supervisor).get("/reports/overdue/", {"format": "xlsx"}))
    assert wb.sheetnames == ["依單位承辦人", "逾期案件", "條件"]
    _assert_table(wb["依單位承辦人"], exports.OVERDUE_GROUP_HEADER)
    cases = wb["逾期案件"]
    _assert_table(cases, exports.OVERDUE_DETAIL_HEADER)
    due = cases.cell(2, exports.OVERDUE_DETAIL_HEADER.index("期限 Due") + 1)
    assert due.is_date and isinstance(due.value, dt.datetime)
    assert due.number_format == exports.DATETIME_FORMAT
    # Taipei wall-clock time (Excel has no time zones).
    overdue_case.refresh_from_db()
    local_due = overdue_case.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None, second=0, microsecond=0)
    assert due.value == local_due
    f = _filters(wb)
    assert f["報表"].value == "逾期報表"
    assert f["範圍"].value == "工務局 及所屬單位"
    exported = f["匯出時間"]
    assert exported.is_date and exported.value == dt.datetime(2026, 3, 20, 18, 0)


def test_performance_export_writes_the_period_and_the_by_category_filter(org, client_for, overdue_case):
    params = {"start": "2026-02-01", "end": "2026-03-20", "by_category": "on", "format": "xlsx"}
    with time_machine.travel(NOW, tick=False):
        wb = _book(client_for(org.analyst).get("/reports/performance/", params))
    assert wb.sheetnames == ["績效", "條件"]
    _assert_table(wb["績效"], exports.PERFORMANCE_HEADER)
    f = _filters(wb)
    assert f["報表"].value == "績效報表"
    for label, day in (("起日", dt.date(2026, 2, 1)), ("迄日", dt.date(2026, 3, 20))):
        assert f[label].is_date and f[label].value.date() == day and f[label].number_format == exports.DATE_FORMAT
    assert f["依單位×類別"].value == "是"
    assert f["範圍"].value == "全部單位"


def test_survey_export_has_months_as_date_cells(org, client_for):
    with time_machine.travel(dt.datetime(2026, 1, 12, 2, 0, tzinfo=dt.UTC), tick=False):
        new_case(org, category=org.lights)
    params = {"start": "2026-01-01", "end": "2026-03-31", "format": "xlsx"}
    with time_machine.travel(NOW, tick=False):
        wb = _book(client_for(org.analyst).get("/reports/surveys/", params))
    assert wb.sheetnames == ["每月趨勢", "依單位", "條件"]  # the reader's language
    trend = wb["每月趨勢"]
    _assert_table(trend, exports.SURVEY_HEADER)
    months = [trend.cell(r, 2) for r in range(2, trend.max_row)]
    assert [c.value.date() for c in months] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert all(c.is_date and c.number_format == exports.MONTH_FORMAT for c in months)
    assert trend.cell(trend.max_row, 2).value == "2026-01 – 2026-03"  # the total row's period stays text
    f = _filters(wb)
    assert f["起日"].value.date() == dt.date(2026, 1, 1) and f["迄日"].value.date() == dt.date(2026, 3, 31)


def test_formula_looking_text_is_still_neutralised():
    assert exports._xlsx_cell("=HYPERLINK(1)") == ("'=HYPERLINK(1)", None)
    assert exports._xlsx_cell(dt.date(2026, 1, 2)) == (dt.date(2026, 1, 2), exports.DATE_FORMAT)


def test_performance_form_renders_iso_dates_for_the_date_inputs(org, client_for):
    # <input type=date> shows nothing unless its value is YYYY-MM-DD.
    with time_machine.travel(NOW, tick=False):
        html = client_for(org.supervisor).get("/reports/performance/").content.decode()
    assert 'type="date" name="start" value="2026-03-01"' in html
    assert 'type="date" name="end" value="2026-03-20"' in html
