"""CSV and XLSX exports of the overdue, performance and survey reports.

Cells that start with = + - @ are prefixed with a quote: case subjects are typed by
citizens, and a spreadsheet must never run them as formulas (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from casesys.web.i18n import pick, tr

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def reader_text(text: str) -> str:
    """A header or sheet name ("單位 Department", "合計 / Total") in the reader's language."""
    text = str(text)
    if " / " in text:
        return pick(text)
    head, sep, rest = text.partition(" ")
    if sep and _CJK.search(head) and not _CJK.search(rest):
        return tr(head, rest)
    return text


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # BOM: Excel opens UTF-8 Chinese text correctly
    writer = csv.writer(buf)
    writer.writerow([reader_text(h) for h in header])
    for r in rows:
        writer.writerow([_safe(v) for v in r])
    resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return resp


DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONTH_FORMAT = "yyyy-mm"
FILTERS_SHEET = "條件 Filters"


class Month(dt.date):
    """A calendar month in an XLSX cell: a real date (the 1st) shown as yyyy-mm."""

    @classmethod
    def parse(cls, value: str) -> Month | str:
        try:
            y, m = (int(x) for x in value.split("-"))
            return cls(y, m, 1)
        except (TypeError, ValueError):
            return value  # a total row's "2026-01 – 2026-03" stays text


def _xlsx_cell(value) -> tuple[object, str | None]:
    """(value, number format): dates and times stay dates, in Taipei time (Excel has no zones)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return value.replace(second=0, microsecond=0), DATETIME_FORMAT
    if isinstance(value, Month):
        return dt.date(value.year, value.month, 1), MONTH_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    return _safe(value), None


def _write_table(ws, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        cells = [_xlsx_cell(v) for v in r]
        ws.append([v for v, _ in cells])
        for cell, (_, fmt) in zip(ws[ws.max_row], cells, strict=False):
            if fmt:
                cell.number_format = fmt
    # The header stays in view while scrolling, and every column can be filtered.
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{ws.max_row}"
    _fit_columns(ws)


def _fit_columns(ws) -> None:
    for col in ws.columns:
        width = max(16 if isinstance(c.value, dt.date) else len(str(c.value or "")) for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(max(width + 2, 10), 60)


def xlsx_response(
    filename: str,
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    filters: Sequence[tuple[str, object]] = (),
) -> HttpResponse:
    """One sheet per table (bold frozen header, autofilter, real date cells), then a last
    sheet "條件 Filters" with the report's name, period, filters, scope and time of export."""
    resp = HttpResponse(xlsx_bytes(sheets, filters=filters), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return resp


def xlsx_bytes(
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    filters: Sequence[tuple[str, object]] = (),
) -> bytes:
    """The workbook of `xlsx_response` as bytes (an e-mail attachment: the daily opinion report)."""
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, header, rows in sheets:
        _write_table(wb.create_sheet(title=reader_text(title)[:31]), [reader_text(h) for h in header], rows)
    if filters:
        ws = wb.create_sheet(title=reader_text(FILTERS_SHEET))
        ws.append([reader_text("項目 Item"), reader_text("值 Value")])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for label, value in filters:
            v, fmt = _xlsx_cell(value)
            ws.append([reader_text(label), reader_text(v) if isinstance(v, str) else v])
            if fmt:
                ws.cell(ws.max_row, 2).number_format = fmt
        ws.freeze_panes = "A2"
        _fit_columns(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_filters(
    user, *, report: str, start: dt.date | None = None, end: dt.date | None = None,
    extra: Sequence[tuple[str, object]] = (), now: dt.datetime | None = None,
) -> list[tuple[str, object]]:
    """What an export was made of, written into its "條件 Filters" sheet."""
    from casesys.org.models import Role
    from casesys.org.roles import roles_of

    out: list[tuple[str, object]] = [("報表 Report", report)]
    if start is not None:
        out.append(("起日 From", start))
    if end is not None:
        out.append(("迄日 To", end))
    out.extend(extra)
    if roles_of(user) & {Role.ANALYST, Role.ADMIN}:
        scope = "全部單位 All departments"
    else:
        dept = getattr(getattr(user, "staff", None), "department", None)
        scope = (
            f"{dept.name} 及所屬單位 / {dept.name_en or dept.name} and its units" if dept is not None else ""
        )
    out.append(("範圍 Scope", scope))
    out.append(("匯出時間 Exported at", now or timezone.now()))
    return out


OVERDUE_GROUP_HEADER = ["單位 Department", "承辦人 Officer", "逾期件數 Overdue cases", "最多逾期工作天 Max working days overdue"]
OVERDUE_DETAIL_HEADER = ["案號 Case", "主旨 Subject", "單位 Department", "承辦人 Officer", "狀態 State", "期限 Due", "逾期工作天 Working days overdue"]
PERFORMANCE_HEADER = [
    "單位 Department",
    "收件 Received",
    "答復結案 Closed (answered)",
    "依限結案 Closed on time",
    "逾限結案 Closed late",
    "依限結案率% On-time rate %",
    "平均結案工作天 Avg working days to close",
    "移文 Transferred",
    "依限移文 Transferred on time",
    "逾限移文 Transferred late",
    "存查 Filed",
    "併案 Merged",
    "重新處理 Reopened",
    "展延 Extensions",
    "滿意度回覆 Survey answers",
    "平均滿意度 Avg satisfaction",
]
SURVEY_HEADER = [
    "單位 Department",
    "月份 Month",
    "答復結案 Closed (answered)",
    "應受調查 Invited",
    "回覆 Answered",
    "回覆率% Response rate %",
    "平均分數 Avg score",
    "不滿意 Dissatisfied",
    "回訪 Follow-ups",
    "已回訪 Follow-ups done",
    "回訪完成率% Follow-up completion %",
]


def overdue_rows(report: dict):
    groups = [(pick(g.department), pick(g.officer), g.count, g.max_days_overdue) for g in report["groups"]]
    detail = [
        (r.number, r.subject, pick(r.department), r.officer, pick(r.state), r.due_at, r.days_overdue)
        for r in report["detail"]
    ]
    return groups, detail


def performance_rows(report: dict):
    def one(r):
        return (
            pick(r.department), r.received, r.closed, r.closed_on_time, r.closed_late,
            r.on_time_rate, r.avg_working_days, r.transferred, r.transferred_on_time, r.transferred_late,
            r.filed, r.merged, r.reopened, r.extensions, r.surveys, r.satisfaction,
        )

    return [one(r) for r in report["rows"]] + [one(report["totals"])]


def survey_rows(report: dict, *, months_as_dates: bool = False):
    """(by department and month, the monthly trend of all departments with the grand total).
    `months_as_dates`: months as `Month` (a real date cell in XLSX) instead of "YYYY-MM"."""

    def one(r):
        return (
            pick(r.department), Month.parse(r.month) if months_as_dates else r.month, r.closed, r.invited, r.surveyed, r.response_rate, r.avg_score,
            r.dissatisfied, r.follow_ups, r.follow_ups_done, r.follow_up_rate,
        )

    return [one(r) for r in report["rows"]], [one(r) for r in report["trend"]] + [one(report["totals"])]
