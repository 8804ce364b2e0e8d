from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "casesys.web"
    label = "web"
    verbose_name = "網頁介面 / Web UI"
