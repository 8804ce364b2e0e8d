from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "casesys.web"
    label = "web"
    verbose_name = "網頁介面 / Web UI"

    def ready(self) -> None:
        from casesys.web import staff_session  # noqa: F401 - connects the log-in receiver
