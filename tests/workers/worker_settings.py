"""Settings for worker subprocesses started by tests: the real settings plus a fake channel.

The fake channel posts to a local HTTP receiver (tests/workers/fakes.py) that records
deliveries by idempotency key, like LINE's X-Line-Retry-Key.
"""

from __future__ import annotations

import os

from casesys.settings import *  # noqa: F403
from casesys.settings import CASESYS_CHANNELS, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_URL

CASESYS_CHANNELS = {**CASESYS_CHANNELS, "fake": {"transport": "tests.workers.fakes.HttpFakeTransport"}}
FAKE_RECEIVER_URL = os.environ.get("FAKE_RECEIVER_URL", "")
# Restore unacknowledged messages on every sweep (the default scans every 10th).
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "unacked_restore_throttle": 1}
EMAIL_BACKEND = (
    "tests.workers.fakes.HttpFakeEmailBackend"
    if os.environ.get("FAKE_EMAIL_TO_RECEIVER")
    else "django.core.mail.backends.locmem.EmailBackend"
)
