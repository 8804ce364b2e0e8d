from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from casesys.workcal.upkeep import calendar_status


class Command(BaseCommand):
    help = "列出已匯入辦公日曆的年度與來源 / List the years with an imported DGPA office calendar and their source."

    def handle(self, *args, **options):
        status = calendar_status()
        self.stdout.write("年度 / year  來源 / source  匯入時間 / imported at  天數 / days")
        for year in status.imported:
            flag = "  (今年 / current year)" if year.year == status.current_year else ""
            flag = "  (明年 / next year)" if year.year == status.next_year else flag
            self.stdout.write(
                f"{year.year}  {year.source or '-'}  {timezone.localtime(year.imported_at):%Y-%m-%d %H:%M}"
                f"  {year.days}{flag}"
            )
        if not status.imported:
            self.stdout.write("（尚無 / none）")
        if status.current_missing:
            self.stdout.write(
                f"{status.current_year}  未匯入 / NOT IMPORTED (今年 / current year): "
                "只依 holidays 套件 / the holidays package only"
            )
        if status.next_missing:
            self.stdout.write(
                f"{status.next_year}  未匯入 / NOT IMPORTED (明年 / next year): "
                "只依 holidays 套件 / the holidays package only"
            )
        if status.warning:
            self.stdout.write(self.style.WARNING(status.warning))
