"""De-identified monthly case export for the open-data portal.

Columns follow what agencies already publish (Taipei: 案件編號, 案件主類別, 案件子類別,
受理機關, 受理科室, 受理日期, 送達日期, 結案日期), plus 行政區 and 依限結案.

- A month means the cases *received* in that month (Asia/Taipei). Cases still open are
  included with 結案日期 and 依限結案 blank, so every month's file has a stable set of rows;
  the public URL only serves months that have ended.
- No personal data and no free text: no petitioner, subject, description, reply, address
  or coordinates. Only codes, names of categories and departments, dates and the district.
  The district is typed by API clients too (any 20 characters), so only a district name at
  its start is published (`identity.district_of`): "中正路100號3樓" typed as a district is
  left blank, never published.
- 送達日期 is the day the case reached the responsible department (分文), 結案日期 the day
  it left the agency's hands (closed, transferred, filed or merged), 結案方式 how (答復, 移文,
  存查, 併案). 依限結案 is given for answered cases only, like the on-time rate: a transferred,
  filed or merged case was not answered, so it is neither on time nor late.
- Read from the reports' database (`CASESYS_REPORTS_DB`: the read replica when configured):
  a public, unauthenticated download of a whole month should not load the primary, and a few
  seconds of replication lag cannot matter to a month that has ended.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator

from django.utils import timezone

from casesys.cases.identity import district_of
from casesys.cases.models import Case, State
from casesys.org.models import Department
from casesys.reports.selectors import reports_db

COLUMNS = [
    "案件編號", "案件主類別", "案件子類別", "受理機關", "受理科室", "受理日期", "送達日期", "結案日期", "行政區", "依限結案",
    "結案方式",
]
OUTCOMES = {State.CLOSED: "答復", State.TRANSFERRED: "移文", State.FILED: "存查", State.MERGED: "併案"}
BOM = "\ufeff"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> tuple[int, int]:
    m = _MONTH.match(value or "")
    # Year 0 does not exist, and December 9999 would end in year 10000: neither is a month
    # a datetime can hold.
    if not m or not 1 <= int(m.group(1)) <= 9998:
        raise ValueError(f"月份格式須為 YYYY-MM / Month must look like YYYY-MM: {value!r}")
    return int(m.group(1)), int(m.group(2))


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def month_is_complete(year: int, month: int, *, now: dt.datetime | None = None) -> bool:
    _, end = month_bounds(year, month)
    return (now or timezone.now()) >= end


def _date(value: dt.datetime | None) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _departments(using: str) -> dict[int, tuple[str, str]]:
    """department id → (agency name, department name), from one query over the small tree."""
    rows = {d.pk: d for d in Department.objects.using(using)}
    out: dict[int, tuple[str, str]] = {}
    for d in rows.values():
        node = d
        while node.parent_id is not None and node.kind != Department.Kind.AGENCY:
            node = rows[node.parent_id]
        out[d.pk] = (node.name, d.name)
    return out


def rows(year: int, month: int) -> Iterator[list[str]]:
    start, end = month_bounds(year, month)
    using = reports_db()
    depts = _departments(using)
    qs = (
        Case.objects.using(using)
        .filter(received_at__gte=start, received_at__lt=end)
        .order_by("received_at", "id")
        .values_list(
            "number",
            "category__name",
            "category__parent__name",
            "department_id",
            "received_at",
            "dispatched_at",
            "closed_at",
            "district",
            "on_time",
            "state",
        )
    )
    for number, cat, parent_cat, dept_id, received, dispatched, closed, district, on_time, state in qs.iterator(
        chunk_size=2000
    ):
        main, sub = (parent_cat, cat) if parent_cat else (cat, "")
        agency, section = depts.get(dept_id, ("", ""))
        answered = state == State.CLOSED and closed is not None and on_time is not None
        result = ("依限" if on_time else "逾限") if answered else ""
        outcome = OUTCOMES.get(state, "") if closed is not None else ""
        dates = [_date(received), _date(dispatched), _date(closed)]
        yield [number, main, sub, agency, section, *dates, district_of(district), result, outcome]


def csv_chunks(year: int, month: int, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV as text chunks, starting with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    for i, row in enumerate(rows(year, month), start=1):
        writer.writerow(row)
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def filename(year: int, month: int) -> str:
    return f"cases-{year:04d}-{month:02d}.csv"
