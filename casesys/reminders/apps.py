from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "casesys.reminders"
    label = "reminders"
    verbose_name = _("期限提醒與逾期通報 / Reminders and escalations")
