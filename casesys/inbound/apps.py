from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "casesys.inbound"
    label = "inbound"
    verbose_name = _("外部訊息與線索 / Inbound messages and leads")
