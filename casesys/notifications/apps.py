from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "casesys.notifications"
    label = "notifications"
    verbose_name = _("通知 / Notifications")

    def ready(self) -> None:
        from casesys.cases.signals import case_event_recorded
        from casesys.notifications.receivers import on_case_event

        case_event_recorded.connect(on_case_event, dispatch_uid="notifications.citizen")

        from casesys.notifications.outcomes import on_case_outcome

        case_event_recorded.connect(on_case_outcome, dispatch_uid="notifications.citizen_outcomes")
        from casesys.notifications.followup_receivers import on_case_event_for_follow_up
        from casesys.notifications.staff_receivers import on_case_event_for_staff

        case_event_recorded.connect(on_case_event_for_staff, dispatch_uid="notifications.staff")
        case_event_recorded.connect(on_case_event_for_follow_up, dispatch_uid="notifications.follow_up")
