from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casesys.cases.catalog import import_categories
from casesys.common.csvimport import CsvImportError


class Command(BaseCommand):
    help = (
        "匯入或更新案件類別樹 / Import or update categories from CSV "
        "(code,parent_code,name,name_en,department_code,sla_unit,sla_value,public,survey_exempt). "
        "各管道期限於管理後台設定 / Per-channel deadlines are set in the admin (channel deadline rules)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到檔案 / File not found: {path}")
        try:
            stats = import_categories(data=path.read_bytes())
        except CsvImportError as exc:
            raise CommandError("未匯入任何資料 / nothing imported:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(f"新增 {stats['created']}、更新 {stats['updated']} / created {stats['created']}, updated {stats['updated']}")
