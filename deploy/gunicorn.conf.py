"""gunicorn settings for casesys (`gunicorn -c deploy/gunicorn.conf.py casesys.wsgi:application`).

Every value can be overridden from the environment (GUNICORN_*), so the same file serves the
container, the systemd unit and deploy/run-prod-stack.sh.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

from casesys.logconf import json_formatter, redact_filter

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# gthread: a few threads per process overlap database and Redis waits at little memory cost.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then: bounds the damage of a slow leak in any library.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
# Only the load balancer may tell gunicorn the original scheme/client (X-Forwarded-*).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests are logged by Django (logger casesys.request, JSON, with the view and duration).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": json_formatter(os.environ.get("CASESYS_SERVICE_NAME", "casesys"))},
    # A partner's api_key (and any password/token) in a query string is logged as ***.
    "filters": {"redact_secrets": redact_filter()},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
            "filters": ["redact_secrets"],
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["redact_secrets"]},
        # Off: Django logs each request once (casesys.request) with the view and user. If it is
        # switched on, its request line is still redacted (the filter rewrites the atoms).
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False, "filters": ["redact_secrets"]},
    },
}

# Prometheus in multi-process mode: each worker writes its samples under this directory and
# /metrics merges them. It must be set before any worker imports prometheus_client.
_prom_dir = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        str(Path(os.environ.get("CASESYS_VAR_DIR", "/tmp")) / "prometheus-multiproc"),
    )
)


def on_starting(server) -> None:
    # Samples of a previous run's (dead) workers would be summed in forever.
    shutil.rmtree(_prom_dir, ignore_errors=True)
    _prom_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
