from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "casesys.workcal"
    label = "workcal"
    verbose_name = _("辦公日曆 / Office calendar")

    def ready(self) -> None:
        from casesys.workcal.calendar import forget_recent
        from casesys.workcal.models import CalendarOverride

        for signal in (post_save, post_delete):
            signal.connect(forget_recent, sender=CalendarOverride, dispatch_uid=f"workcal-forget-{signal}")
