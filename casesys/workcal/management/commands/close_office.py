from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from casesys.workcal.services import calendar_override_delete, office_close


class Command(BaseCommand):
    help = "宣布停止上班（如颱風停班）並重新計算期限 / Declare an office closure and recompute deadlines."

    def add_arguments(self, parser):
        parser.add_argument("date", help="YYYY-MM-DD")
        parser.add_argument("--reason", default="颱風停班", help="e.g. 颱風停班")
        parser.add_argument("--undo", action="store_true", help="remove the closure again")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"日期格式須為 YYYY-MM-DD / Date must be YYYY-MM-DD: {options['date']!r}") from exc
        if options["undo"]:
            moved = calendar_override_delete(day=day)
            self.stdout.write(f"{day} 已取消停班；{moved} 件案件期限調整 / closure removed; {moved} deadlines moved")
            return
        reason = (options["reason"] or "").strip()
        if not reason:
            raise CommandError("請提供 --reason / --reason is required")
        _, moved = office_close(day=day, reason=reason)
        self.stdout.write(f"{day} 停止上班（{reason}）；{moved} 件案件期限延後 / closed; {moved} deadlines moved")
