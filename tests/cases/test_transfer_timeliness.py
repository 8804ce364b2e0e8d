"""移文 timeliness: a transfer is due by the end of the next working day after receipt, or the
second one when a site visit was needed."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from casesys.cases import deadlines
from casesys.cases.models import Case
from casesys.cases.services import case_transfer
from casesys.workcal.calendar import WorkCalendar
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
# Friday 13 March 2026, 10:00: the next working days are Monday 16 and Tuesday 17.
FRIDAY = dt.datetime(2026, 3, 13, 10, 0, tzinfo=TPE)


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=TPE)


def received_friday(org) -> Case:
    with time_machine.travel(FRIDAY, tick=False):
        case, _ = new_case(org)
    return case


def transfer_at(moment: dt.datetime, case: Case, **kwargs) -> Case:
    with time_machine.travel(moment, tick=False):
        return case_transfer(case=case, agency="交通部公路局", reason="非本府權責", by=kwargs.pop("by", None), **kwargs)


def test_transfer_due_skips_the_weekend():
    calendar = WorkCalendar.load()
    due = deadlines.transfer_due(received_at=FRIDAY, site_visit=False, calendar=calendar)
    due_visit = deadlines.transfer_due(received_at=FRIDAY, site_visit=True, calendar=calendar)
    assert due.astimezone(TPE).date() == dt.date(2026, 3, 16)  # Monday, end of day
    assert due_visit.astimezone(TPE).date() == dt.date(2026, 3, 17)  # Tuesday with a site visit
    assert due.astimezone(TPE).time() == due_visit.astimezone(TPE).time() >= dt.time(23, 59)


@pytest.mark.parametrize(
    ("site_visit", "when", "on_time"),
    [
        (False, at(16, 17), True),  # Monday afternoon: the next working day after Friday
        (False, at(17, 9), False),  # Tuesday: a day late
        (True, at(17, 16), True),  # with a site visit Tuesday is still on time
        (True, at(18, 9), False),  # … and Wednesday is late
    ],
)
def test_transfer_received_on_friday_across_the_weekend(org, site_visit, when, on_time):
    case = received_friday(org)
    transfer_at(when, case, by=org.intake, site_visit=site_visit)
    case.refresh_from_db()
    assert (case.state, case.site_visit, case.transfer_on_time) == ("transferred", site_visit, on_time)


def test_a_site_visit_recorded_on_the_case_counts_without_the_flag(org):
    case = received_friday(org)
    Case.objects.filter(pk=case.pk).update(site_visit=True)
    case.refresh_from_db()
    transfer_at(at(17, 16), case, by=org.intake)
    case.refresh_from_db()
    assert case.transfer_on_time is True


def test_api_transfer_takes_the_site_visit_flag_and_shows_the_result(org):
    case = received_friday(org)
    client = APIClient()
    client.force_authenticate(org.intake)
    with time_machine.travel(at(17, 10), tick=False):
        response = client.post(
            f"/api/v1/cases/{case.number}/transitions/transfer/",
            {"agency": "交通部公路局", "reason": "非本府權責", "site_visit": True},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["site_visit"], body["transfer_on_time"]) == ("transferred", True, True)
    # Not answered: no "closed on time" for a transfer, whatever its handling deadline.
    assert body["on_time"] is None


def test_api_transfer_without_a_site_visit_is_late_on_the_second_day(org):
    case = received_friday(org)
    client = APIClient()
    client.force_authenticate(org.intake)
    with time_machine.travel(at(17, 10), tick=False):
        response = client.post(
            f"/api/v1/cases/{case.number}/transitions/transfer/",
            {"agency": "交通部公路局", "reason": "非本府權責"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert (response.json()["site_visit"], response.json()["transfer_on_time"]) == (False, False)


def test_case_page_transfer_form_has_the_site_visit_checkbox(org):
    case = received_friday(org)
    client = Client()
    client.force_login(org.intake)
    with time_machine.travel(at(17, 10), tick=False):
        page = client.get(f"/desk/cases/{case.number}/").content.decode()
        assert 'name="transfer-site_visit"' in page and "已辦理現場會勘" in page
        response = client.post(
            f"/desk/cases/{case.number}/actions/transfer/",
            {
                "transfer-version": case.version,
                "transfer-agency": "交通部公路局",
                "transfer-reason": "非本府權責",
                "transfer-site_visit": "on",
            },
        )
    assert response.status_code in (200, 302), response.content
    case.refresh_from_db()
    assert (case.state, case.site_visit, case.transfer_on_time) == ("transferred", True, True)
    client.force_login(org.analyst)  # intake no longer sees a case that left
    closure = closure_text(client.get(f"/desk/cases/{case.number}/").content.decode())
    assert closure.startswith("移文") and "交通部公路局" in closure and "依限移文" in closure and "現場會勘" in closure


def closure_text(html: str) -> str:
    block = html[html.index('id="case-closure"'):]
    return " ".join(re.sub(r"<[^>]+>", " ", block[block.index(">") + 1 : block.index("</div>")]).split())


def test_case_page_says_a_late_transfer_was_late_and_not_closed_late(org):
    case = received_friday(org)
    transfer_at(at(17, 10), case, by=org.intake)
    client = Client()
    client.force_login(org.analyst)
    closure = closure_text(client.get(f"/desk/cases/{case.number}/").content.decode())
    assert closure.startswith("移文") and "逾限移文" in closure
    assert "結案" not in closure
