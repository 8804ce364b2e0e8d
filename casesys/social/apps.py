from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "casesys.social"
    label = "social"
    verbose_name = _("輿情 / Public opinion")

    def ready(self) -> None:
        from casesys.notifications.attachments import register_attachment
        from casesys.social import receivers  # noqa: F401 - connects the lead receivers
        from casesys.social.report import XLSX_BUILDER, opinion_report_xlsx

        register_attachment(XLSX_BUILDER, opinion_report_xlsx)
