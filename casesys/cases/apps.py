from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "casesys.cases"
    label = "cases"
    verbose_name = _("陳情案件 / Cases")

    def ready(self) -> None:
        from casesys.cases.calendar_receivers import on_calendar_day_changed
        from casesys.workcal.signals import calendar_day_changed

        calendar_day_changed.connect(on_calendar_day_changed, dispatch_uid="cases.recompute_due_dates")
