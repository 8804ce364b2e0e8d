from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "casesys.workcal"
    label = "workcal"
    verbose_name = _("辦公日曆 / Office calendar")
