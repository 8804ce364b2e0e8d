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
        from django.core import checks

        checks.register(_check_channels, checks.Tags.compatibility)


def _check_channels(app_configs=None, **kwargs):
    from django.core import checks

    from casesys.common.channels import check

    # A mistyped transport or processor path would otherwise surface only when the first
    # message on that channel is sent or processed.
    return [checks.Error(problem, id="casesys.E001") for problem in check()]
