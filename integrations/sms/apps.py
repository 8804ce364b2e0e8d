from __future__ import annotations

from django.apps import AppConfig


class SmsConnectorConfig(AppConfig):
    name = "integrations.sms"
    label = "integrations_sms"
    verbose_name = "connector: sms"
