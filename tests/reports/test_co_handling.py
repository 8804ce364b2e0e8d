"""The overdue and performance reports show, per department, its lead cases and its
co-handling parts apart, each with its on-time rate."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from casesys.cases import services
from casesys.cohandling import services as parts
from casesys.reports.selectors import co_handling_overdue, co_handling_performance
from tests.cohandling.helpers import MONDAY, TPE, co_handled

pytestmark = pytest.mark.django_db

THURSDAY = dt.datetime(2026, 3, 12, 10, 0, tzinfo=TPE)  # the day after the parts' sub-deadline


def _done(org, part, *, at):
    with time_machine.travel(at, tick=False):
        parts.part_accept(part=part, by=org.officer_clean)
        parts.part_submit_reply(part=part, reply="已清運。", by=org.officer_clean)
        parts.part_approve(part=part, by=org.supervisor_epb)


@pytest.fixture
def history(org):
    """A: part done on time, case answered; B: part done late; C: the lighting part
    released; D: the part still open, overdue on Thursday."""
    with time_machine.travel(MONDAY, tick=False):
        a, _ = co_handled(org)
        b, _ = co_handled(org)
        c, _ = co_handled(org, departments=[org.light])
        d, _ = co_handled(org)
    _done(org, a.parts.get(), at=MONDAY)
    _done(org, b.parts.get(), at=THURSDAY - dt.timedelta(hours=1))
    with time_machine.travel(MONDAY, tick=False):
        services.case_submit_reply(case=a, reply="綜合答復", by=org.officer)
        services.case_approve(case=a, by=org.supervisor)
        light = c.parts.get()
        parts.part_return_to_lead(part=light, reason="非路燈", by=org.officer_light)
        parts.part_decide_return(part=light, release=True, by=org.admin)
    return {"a": a, "b": b, "c": c, "d": d}


def test_performance_counts_lead_cases_and_parts_apart_with_their_rates(org, history):
    with time_machine.travel(THURSDAY, tick=False):
        report = co_handling_performance(org.analyst, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    rows = {r.department: r for r in report["rows"]}
    road, clean, light = rows["道路養護科"], rows["清潔科"], rows["路燈科"]
    assert (road.lead_closed, road.lead_on_time, road.lead_rate) == (1, 1, 100.0)
    assert road.parts_requested == 0 and road.parts_rate is None
    assert (clean.parts_requested, clean.parts_done, clean.parts_on_time, clean.parts_late) == (3, 2, 1, 1)
    assert clean.parts_rate == 50.0 and clean.lead_closed == 0
    assert (light.parts_requested, light.parts_released, light.parts_done, light.parts_rate) == (1, 1, 0, None)
    assert report["totals"].parts_rate == 50.0


def test_overdue_shows_open_lead_cases_and_overdue_parts_per_department(org, history):
    with time_machine.travel(THURSDAY, tick=False):
        report = co_handling_overdue(org.analyst, now=THURSDAY)
    rows = {r.department: r for r in report["rows"]}
    assert (rows["道路養護科"].lead_open, rows["道路養護科"].lead_overdue) == (3, 0)  # the cases are due on the 16th
    assert (rows["清潔科"].parts_open, rows["清潔科"].parts_overdue) == (1, 1)
    assert [r.number for r in report["detail"]] == [history["d"].number]
    assert report["detail"][0].days_overdue == 1 and report["detail"][0].lead == "道路養護科"


def test_a_supervisor_reports_on_their_own_departments_only(org, history):
    with time_machine.travel(THURSDAY, tick=False):
        epb = co_handling_performance(org.supervisor_epb, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
        pwd = co_handling_overdue(org.supervisor, now=THURSDAY)
    # The environment bureau's supervisor: its co-handling parts, not the road section's cases.
    assert [r.department for r in epb["rows"]] == ["清潔科"]
    assert {r.department for r in pwd["rows"]} == {"道路養護科"}  # 路燈科's part was released
    assert pwd["detail"] == []


def test_the_report_pages_show_both_tables(org, history):
    client = Client()
    client.force_login(org.analyst)
    with time_machine.travel(THURSDAY, tick=False):
        overdue = client.get("/reports/overdue/").content.decode()
        perf = client.get("/reports/performance/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", overdue))
    assert "主辦與協辦（依單位）" in flat and "逾期協辦" in flat and history["d"].number in flat
    section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", perf[perf.index('id="co-handling-performance"'):]))
    assert "清潔科 0 0 0 — 3 2 1 1 50.0%" in section
    assert "道路養護科 1 1 0 100.0%" in section
