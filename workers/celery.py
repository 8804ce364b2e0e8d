"""The Celery application, configured from Django settings (namespace ``CELERY``).

Run with ``celery -A workers worker`` and ``celery -A workers beat``. Tasks are
``@shared_task`` functions in ``tasks.py`` modules of the casesys apps and of every
package under ``integrations/`` (LINE, Telegram, Facebook, feeds …), discovered lazily
when the worker starts.
"""

from __future__ import annotations

import os
import pkgutil

from celery import Celery
from celery.signals import beat_init
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casesys.settings")

app = Celery("casesys")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Declared here so `celery -A workers worker` consumes every queue without -Q; routes are in
# settings (CELERY_TASK_ROUTES). A connector that needs its own queue adds it to this list.
# Each queue gets its own exchange and routing key: without them Celery binds every queue
# to the default key, so one published task would land in both queues and run twice.
app.conf.task_queues = (
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("notifications", Exchange("notifications"), routing_key="notifications"),
    # Citizen notices: consumed by every worker that consumes `notifications`; the broker
    # takes from the worker's queues in turn, so this one is never behind a staff backlog.
    Queue("notifications_citizen", Exchange("notifications_citizen"), routing_key="notifications_citizen"),
)


def _task_packages() -> list[str]:
    """casesys apps from INSTALLED_APPS plus every ``integrations.*`` package."""
    from django.conf import settings

    packages = [name for name in settings.INSTALLED_APPS if name.startswith("casesys.")]
    try:
        import integrations
    except ImportError:  # no connectors installed
        return packages
    for module in pkgutil.iter_modules(getattr(integrations, "__path__", [])):
        if module.ispkg:
            name = f"integrations.{module.name}"
            if name not in packages:
                packages.append(name)
    return packages


# A lambda so INSTALLED_APPS is only read once Django is configured (worker start-up).
app.autodiscover_tasks(lambda: _task_packages())


@beat_init.connect
def _sync_schedule_on_beat_start(sender=None, **kwargs) -> None:
    """Beat creates any missing default periodic task before it starts ticking.

    Existing rows are left alone, so an interval changed by an administrator survives.
    """
    from workers.schedule import sync_schedule

    sync_schedule()
