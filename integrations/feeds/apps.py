from __future__ import annotations

from django.apps import AppConfig


class FeedsConnectorConfig(AppConfig):
    name = "integrations.feeds"
    label = "integrations_feeds"
    verbose_name = "connector: feeds (RSS/Atom)"
