"""Run every Python process of a test run on a shifted clock: `make test-future`.

The suite must pass on any date (a test that compared the wall clock with a fixed date once
turned main's CI red). `make test-future` puts this directory on PYTHONPATH and sets
CASESYS_TEST_CLOCK_SHIFT_DAYS, so pytest and every process it starts (Celery workers, beat,
gunicorn, management commands) see the same moved clock, ticking. time-machine moves the
wall clock only (datetime, time.time); monotonic clocks and timeouts stay real.
PostgreSQL's own clock is not moved: casesys never reads it for business time.
"""

from __future__ import annotations

import os

_days = os.environ.get("CASESYS_TEST_CLOCK_SHIFT_DAYS", "").strip()
if _days:
    import datetime as _dt

    import time_machine

    _traveller = time_machine.travel(
        _dt.datetime.now(_dt.UTC) + _dt.timedelta(days=float(_days)), tick=True
    )
    _traveller.start()
