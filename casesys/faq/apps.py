from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaqConfig(AppConfig):
    name = "casesys.faq"
    label = "faq"
    verbose_name = _("常見問題集 / FAQ")
