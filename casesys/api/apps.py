from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "casesys.api"
    label = "api"
    verbose_name = _("應用程式介面 / API")
