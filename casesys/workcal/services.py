"""Calendar changes. Each recomputes open cases' deadlines in the same transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from casesys.workcal.calendar import package_is_working_day
from casesys.workcal.models import CalendarOverride, CalendarYear
from casesys.workcal.signals import announce_day_changed


class CalendarImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def _recompute(day: dt.date, reason: str) -> int:
    # The calendar sits below the cases app: it announces the change, cases move deadlines.
    return announce_day_changed(day=day, reason=reason)


def calendar_override_set(
    *, day: dt.date, is_working_day: bool, reason: str, source: str = CalendarOverride.Source.MANUAL, by=None
) -> tuple[CalendarOverride, int]:
    """Declare a day working or not (e.g. a typhoon closure); returns (override, cases moved)."""
    with transaction.atomic():
        override, _ = CalendarOverride.objects.update_or_create(
            date=day,
            defaults={"is_working_day": is_working_day, "reason": reason, "source": source, "created_by": by},
        )
        moved = _recompute(day, reason or ("上班日" if is_working_day else "停止上班"))
    return override, moved


def calendar_override_delete(*, day: dt.date, by=None) -> int:
    with transaction.atomic():
        deleted, _ = CalendarOverride.objects.filter(date=day).delete()
        if not deleted:
            return 0
        return _recompute(day, "取消辦公日曆例外 / Calendar override removed")


def office_close(*, day: dt.date, reason: str, by=None) -> tuple[CalendarOverride, int]:
    return calendar_override_set(
        day=day, is_working_day=False, reason=reason, source=CalendarOverride.Source.CLOSURE, by=by
    )


@dataclass
class DgpaRow:
    line: int
    day: dt.date
    is_working_day: bool
    note: str


def parse_dgpa_csv(data: bytes) -> list[DgpaRow]:
    """Parse the DGPA office calendar (`西元日期,星期,是否放假,備註`; 0 work, 2 off)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("big5")
        except UnicodeDecodeError as exc:
            raise CalendarImportError(["檔案不是 UTF-8 或 Big5 編碼 / File is neither UTF-8 nor Big5."]) from exc
    reader = csv.reader(io.StringIO(text))
    rows: list[DgpaRow] = []
    errors: list[str] = []
    header = next(reader, None)
    if not header or [h.strip() for h in header[:3]] != ["西元日期", "星期", "是否放假"]:
        raise CalendarImportError(["第 1 行：欄位須為 西元日期,星期,是否放假,備註 / line 1: unexpected header."])
    seen: set[dt.date] = set()
    for line_no, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            errors.append(f"第 {line_no} 行：欄位不足 / line {line_no}: too few columns")
            continue
        raw_date, _weekday, off = (c.strip() for c in row[:3])
        note = row[3].strip() if len(row) > 3 else ""
        try:
            day = dt.datetime.strptime(raw_date, "%Y%m%d").date()
        except ValueError:
            errors.append(f"第 {line_no} 行：日期格式錯誤 {raw_date!r} / line {line_no}: bad date")
            continue
        if off not in ("0", "2"):
            errors.append(f"第 {line_no} 行：是否放假須為 0 或 2 / line {line_no}: 是否放假 must be 0 or 2")
            continue
        if day in seen:
            errors.append(f"第 {line_no} 行：日期重複 {raw_date} / line {line_no}: duplicate date")
            continue
        seen.add(day)
        rows.append(DgpaRow(line_no, day, off == "0", note))
    if errors:
        raise CalendarImportError(errors)
    if not rows:
        raise CalendarImportError(["檔案沒有資料列 / The file has no rows."])
    return rows


def import_dgpa_calendar(
    *, data: bytes, by=None, source: str = "", now: dt.datetime | None = None
) -> dict[str, int]:
    """Store every day whose status or note the package does not already give, atomically,
    and record each year in the file as imported (`CalendarYear`, even when no day changed:
    the package may simply agree with the published calendar). `source`: the file name."""
    rows = parse_dgpa_csv(data)
    now = now or timezone.now()
    stats = {"rows": len(rows), "overrides": 0, "unchanged": 0, "cases_moved": 0}
    with transaction.atomic():
        for year, days in sorted(Counter(r.day.year for r in rows).items()):
            CalendarYear.objects.update_or_create(
                year=year, defaults={"source": source[:200], "imported_at": now, "imported_by": by, "days": days}
            )
        existing = {o.date: o for o in CalendarOverride.objects.filter(date__in=[r.day for r in rows])}
        for row in rows:
            current = existing.get(row.day)
            if current is not None and current.source == CalendarOverride.Source.CLOSURE:
                # A declared closure outranks the published calendar.
                stats["unchanged"] += 1
                continue
            differs_from_package = row.is_working_day != package_is_working_day(row.day)
            if current is None and not differs_from_package:
                stats["unchanged"] += 1
                continue
            if current is not None and current.is_working_day == row.is_working_day and current.reason == row.note:
                stats["unchanged"] += 1
                continue
            CalendarOverride.objects.update_or_create(
                date=row.day,
                defaults={
                    "is_working_day": row.is_working_day,
                    "reason": row.note[:200],
                    "source": CalendarOverride.Source.DGPA,
                    "created_by": by,
                },
            )
            stats["overrides"] += 1
            stats["cases_moved"] += _recompute(row.day, f"辦公日曆匯入：{row.note or row.day}")
    return stats
