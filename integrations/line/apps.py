from __future__ import annotations

from django.apps import AppConfig


class LineConnectorConfig(AppConfig):
    name = "integrations.line"
    label = "integrations_line"
    verbose_name = "connector: line"
