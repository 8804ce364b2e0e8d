from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestConfig(AppConfig):
    name = "casesys.suggest"
    label = "suggest"
    verbose_name = _("類別建議 / Category suggestion")
