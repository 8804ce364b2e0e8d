from __future__ import annotations

from django.apps import AppConfig


class CommonConnectorConfig(AppConfig):
    name = "integrations.common"
    label = "integrations_common"
    verbose_name = "connector: common"
