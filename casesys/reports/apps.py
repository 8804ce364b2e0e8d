from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casesys.reports"
    label = "reports"
    verbose_name = "統計報表 / Reports"
