from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohandlingConfig(AppConfig):
    name = "casesys.cohandling"
    label = "cohandling"
    verbose_name = _("主協辦 / Co-handling")

    def ready(self) -> None:
        from casesys.cases.signals import case_event_recorded
        from casesys.cohandling.receivers import on_case_event

        case_event_recorded.connect(on_case_event, dispatch_uid="cohandling.on_case_event")
