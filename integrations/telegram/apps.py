from __future__ import annotations

from django.apps import AppConfig


class TelegramConnectorConfig(AppConfig):
    name = "integrations.telegram"
    label = "integrations_telegram"
    verbose_name = "connector: telegram"
