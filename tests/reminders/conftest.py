from __future__ import annotations

import datetime as dt

import pytest

from casesys.workcal.calendar import TAIPEI

# A Wednesday inside office hours; Thursday and Friday are working days too.
WEDNESDAY_10AM = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TAIPEI)


@pytest.fixture
def rules(db):
    from casesys.reminders.defaults import ensure_default_rules

    ensure_default_rules()


@pytest.fixture
def now():
    return WEDNESDAY_10AM
