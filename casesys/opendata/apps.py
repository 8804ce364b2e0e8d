from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "casesys.opendata"
    label = "opendata"
    verbose_name = _("開放資料 / Open data")
