"""Administrators see a banner in the desk while next year's office calendar is missing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casesys.workcal.calendar import TAIPEI
from casesys.workcal.services import import_dgpa_calendar

pytestmark = pytest.mark.django_db

BANNER = "尚未匯入 2027 年辦公日曆"  # the Chinese UI shows the Chinese half only


def desk(client_for, user, when: dt.datetime) -> str:
    with time_machine.travel(when, tick=False):
        response = client_for(user).get("/desk/queue/")
    assert response.status_code == 200
    return response.content.decode()


def test_administrator_sees_the_banner_from_1_november(org, client_for):
    assert BANNER not in desk(client_for, org.admin, dt.datetime(2026, 10, 30, 9, 0, tzinfo=TAIPEI))
    html = desk(client_for, org.admin, dt.datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI))
    assert BANNER in html and "辦公日曆待匯入" in html


def test_other_staff_never_see_it(org, client_for):
    for user in (org.supervisor, org.officer, org.intake):
        assert BANNER not in desk(client_for, user, dt.datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI))


def test_banner_goes_once_next_year_is_imported(org, client_for):
    import_dgpa_calendar(data="西元日期,星期,是否放假,備註\n20270104,一,0,\n".encode(), source="office-calendar-2027.csv")
    assert BANNER not in desk(client_for, org.admin, dt.datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI))
