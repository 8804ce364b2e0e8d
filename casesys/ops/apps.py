from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "casesys.ops"
    label = "ops"
    verbose_name = _("維運 / Operations")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from casesys.dbconf import use_fast_timestamptz_loader

        # Celery signal receivers (worker and beat heartbeats). Connecting them here means
        # every process that sets up Django — web, worker, beat — has them; only the worker
        # and beat processes ever fire the signals.
        from casesys.ops import signals  # noqa: F401

        # Every process's PostgreSQL connections read timestamps with psycopg's C parser.
        connection_created.connect(use_fast_timestamptz_loader, dispatch_uid="casesys.fast_timestamptz")
