"""Settings for the benchmark's gunicorn/worker processes: the project's own settings plus
the floor views' URLs. Nothing here changes how the application itself behaves."""

from __future__ import annotations

from casesys.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
