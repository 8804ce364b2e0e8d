from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casesys.workcal.services import CalendarImportError, import_dgpa_calendar


class Command(BaseCommand):
    help = "匯入人事行政總處辦公日曆 CSV / Import the DGPA office calendar CSV (西元日期,星期,是否放假,備註)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="CSV file(s)")

    def handle(self, *args, **options):
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"找不到檔案 / File not found: {name}")
            try:
                stats = import_dgpa_calendar(data=path.read_bytes(), source=path.name)
            except CalendarImportError as exc:
                raise CommandError(f"{name}: 未匯入任何資料 / nothing imported:\n" + "\n".join(exc.errors)) from exc
            self.stdout.write(
                f"{name}: {stats['rows']} 天，{stats['overrides']} 筆例外，{stats['cases_moved']} 件案件期限調整 "
                f"/ {stats['rows']} days, {stats['overrides']} overrides, {stats['cases_moved']} deadlines moved"
            )
