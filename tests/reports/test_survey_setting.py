"""CASESYS_SURVEY_DISSATISFIED_MAX: read from the environment once, refused when out of range."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CASESYS['SURVEY_DISSATISFIED_MAX'])"
)


def run(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CASESYS_SURVEY_DISSATISFIED_MAX"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "casesys.settings")
    if value is not None:
        env["CASESYS_SURVEY_DISSATISFIED_MAX"] = value
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_default_is_two_and_the_variable_sets_it():
    assert run(None).stdout.strip() == "2"
    assert run("3").stdout.strip() == "3"


def test_a_score_outside_the_survey_scale_stops_start_up():
    result = run("5")
    assert result.returncode != 0 and "CASESYS_SURVEY_DISSATISFIED_MAX must be between 0" in result.stderr
