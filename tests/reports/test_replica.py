"""Reports and their exports read `settings.CASESYS_REPORTS_DB`; everything else the primary.

The `replica` alias is a TEST MIRROR of the test database (tests/conftest.py): its own
connection, which sees committed rows only, like a real standby. These tests therefore commit
their data (`transaction=True`) and count the queries each alias runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casesys.cases import services
from casesys.org.roles import roles_of
from casesys.reports import selectors
from casesys.workcal.models import CalendarOverride
from tests.factories import new_case
from tests.web.test_reports import make_cases
from tests.web.test_survey import closed_case

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

TODAY = timezone.localdate
REPORTS = {
    "dashboard": lambda u: selectors.dashboard(u),
    "overdue": lambda u: selectors.overdue_report(u),
    "overdue-export": lambda u: selectors.overdue_report(u, detail_limit=None),
    "performance": lambda u: selectors.performance_report(u, start=TODAY() - dt.timedelta(days=30), end=TODAY()),
    "performance-by-category": lambda u: selectors.performance_report(
        u, start=TODAY() - dt.timedelta(days=30), end=TODAY(), by_category=True
    ),
    "surveys": lambda u: selectors.survey_report(u, start=TODAY() - dt.timedelta(days=30), end=TODAY()),
}
# Tables only reports read; the primary must not see them while a replica is configured.
REPORT_TABLES = (
    "cases_case", "cases_extensionrequest", "cases_caseevent", "cases_followup", "workcal_calendaroverride",
    "cohandling_casepart",
    # The English names of departments and categories (one lookup each, for the labels).
    'FROM "org_department" WHERE NOT ("org_department"."name_en"',
    'FROM "cases_category" WHERE NOT ("cases_category"."name_en"',
)


@pytest.fixture(autouse=True)
def _close_replica():
    yield
    # The mirror's connection would otherwise stay open on the test database and keep the
    # flush (and, at the end, DROP DATABASE) waiting.
    connections["replica"].close()


@pytest.fixture
def data(org):
    make_cases(org, 6)
    closed_case(org)
    case, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case, by=org.officer)
    services.case_request_extension(
        case=case, days=3, reason="需協調廠商 / contractor needed", status_text="廠商報價中", by=org.officer
    )
    CalendarOverride.objects.create(date=TODAY() + dt.timedelta(days=1), is_working_day=False, reason="颱風停班")
    return org


def run_counting(fn):
    with CaptureQueriesContext(connections["default"]) as on_default:
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            result = fn()
    return result, on_default.captured_queries, on_replica.captured_queries


def on_tables(queries) -> list[str]:
    return [q["sql"] for q in queries if any(t in q["sql"] for t in REPORT_TABLES)]


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
@pytest.mark.parametrize("who", ["supervisor", "analyst"])
def test_with_a_replica_every_report_query_runs_there(data, settings, report, who):
    user = getattr(data, who)
    on_primary, _, replica_before = run_counting(lambda: report(user))
    assert replica_before == []
    # Roles and department are read (and kept on the user) from the primary first, on purpose:
    # permissions must not lag. Everything after that is the report itself.
    assert roles_of(user)

    settings.CASESYS_REPORTS_DB = "replica"
    on_replica, default_queries, replica_queries = run_counting(lambda: report(user))

    assert default_queries == []
    assert len(on_tables(replica_queries)) == len(replica_queries) > 0
    assert on_replica == on_primary


def test_without_a_replica_reports_stay_on_the_primary(data):
    for report in REPORTS.values():
        _, default_queries, replica_queries = run_counting(lambda r=report: r(data.analyst))
        assert replica_queries == [] and on_tables(default_queries)


def test_report_pages_and_exports_read_the_replica(data, settings):
    settings.CASESYS_REPORTS_DB = "replica"
    client = Client()
    client.force_login(data.supervisor)
    period = {"start": (TODAY() - dt.timedelta(days=30)).isoformat(), "end": TODAY().isoformat()}
    for path, params in [
        ("/reports/", {}),
        ("/reports/overdue/", {}),
        ("/reports/overdue/", {"format": "csv"}),
        ("/reports/overdue/", {"format": "xlsx"}),
        ("/reports/performance/", period),
        ("/reports/performance/", {**period, "format": "csv"}),
        ("/reports/performance/", {**period, "by_category": "on", "format": "xlsx"}),
        ("/reports/surveys/", period),
        ("/reports/surveys/", {**period, "format": "csv"}),
        ("/reports/surveys/", {**period, "format": "xlsx"}),
    ]:
        response, default_queries, replica_queries = run_counting(lambda p=path, q=params: client.get(p, q))
        assert response.status_code == 200, (path, params)
        # The primary still serves the session, the user and the navigation's unread count.
        assert on_tables(default_queries) == [], (path, params)
        assert on_tables(replica_queries), (path, params)
    rows = client.get("/reports/overdue/", {"format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("案號,") and len(rows) == 1 + 2


def test_pages_showing_what_a_user_just_wrote_stay_on_the_primary(data, settings):
    settings.CASESYS_REPORTS_DB = "replica"
    client = Client()
    client.force_login(data.officer)
    case, _ = new_case(data, category=data.pothole)
    for path in ["/desk/queue/", "/desk/queue/department/", f"/desk/cases/{case.number}/"]:
        response, _, replica_queries = run_counting(lambda p=path: client.get(p))
        assert response.status_code == 200, path
        assert replica_queries == [], path
    assert case.number in client.get("/desk/queue/department/").content.decode()


def test_the_public_open_data_export_reads_the_replica(data, settings):
    from casesys.cases.models import Case
    from casesys.opendata.export import month_bounds, rows

    today = TODAY()
    start, end = month_bounds(today.year, today.month)
    expected = set(Case.objects.filter(received_at__gte=start, received_at__lt=end).values_list("number", flat=True))
    assert expected

    settings.CASESYS_REPORTS_DB = "replica"
    exported, on_primary, on_replica = run_counting(lambda: list(rows(today.year, today.month)))
    assert {row[0] for row in exported} == expected
    assert on_primary == [] and on_tables(on_replica)

    settings.CASESYS_REPORTS_DB = "default"
    again, on_primary, on_replica = run_counting(lambda: list(rows(today.year, today.month)))
    assert again == exported and on_replica == [] and on_tables(on_primary)
