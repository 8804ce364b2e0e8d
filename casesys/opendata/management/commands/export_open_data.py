"""`manage.py export_open_data YYYY-MM [-o FILE]`: the de-identified monthly CSV."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casesys.opendata.export import csv_chunks, month_is_complete, parse_month


class Command(BaseCommand):
    help = "匯出去識別化之月份案件開放資料 (CSV, UTF-8 BOM) / Export a month of de-identified cases as CSV"

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM (受理月份 / month of receipt)")
        parser.add_argument("-o", "--output", help="輸出檔案（預設標準輸出）/ output file (default: stdout)")

    def handle(self, *args, month: str, output: str | None, **options):
        try:
            year, mon = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not month_is_complete(year, mon):
            self.stderr.write("注意：此月份尚未結束 / Note: this month has not ended yet.\n")
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                for chunk in csv_chunks(year, mon):
                    fh.write(chunk)
            self.stderr.write(f"已寫入 / written: {output}\n")
        else:
            for chunk in csv_chunks(year, mon):
                self.stdout.write(chunk, ending="")
