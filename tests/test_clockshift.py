"""The harness behind `make test-future` moves the clock of every process it starts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def test_clock_shift_moves_the_date_of_a_child_process_a_year_ahead():
    env = {**os.environ, "PYTHONPATH": str(HERE / "clockshift"), "CASESYS_TEST_CLOCK_SHIFT_DAYS": "365"}
    code = "import datetime; print(datetime.date.today().isoformat())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    shifted = dt.date.fromisoformat(out.stdout.strip())
    # Compared with this process's own clock, itself shifted or not.
    own_shift = float(os.environ.get("CASESYS_TEST_CLOCK_SHIFT_DAYS") or 0)
    base = dt.date.today() + dt.timedelta(days=365 - own_shift)
    assert abs((shifted - base).days) <= 1
