"""Celery workers for casesys.

`workers.celery.app` is the Celery application; importing this package loads it so that
`@shared_task` functions bind to it in every process (web, worker, beat). The package is
also a Django app (listed in INSTALLED_APPS) so that the web process loads it at start-up
and can publish tasks without `casesys` ever importing `workers`.
"""

from __future__ import annotations

from workers.celery import app as celery_app

__all__ = ["celery_app"]
