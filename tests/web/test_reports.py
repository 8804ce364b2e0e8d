from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from casesys.cases import services
from casesys.cases.models import Case
from casesys.reports import selectors
from tests.factories import new_case
from tests.web.test_survey import closed_case

pytestmark = pytest.mark.django_db


def make_cases(org, n: int):
    for i in range(n):
        case, _ = new_case(org, category=org.pothole, subject=f"=HYPERLINK(\"x\") 坑洞{i}")
        if i % 2:
            services.case_accept(case=case, by=org.officer)
        if i % 3 == 0:
            Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(days=5))


def queries_for(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "report",
    [
        lambda u: selectors.dashboard(u),
        lambda u: selectors.overdue_report(u),
        lambda u: selectors.performance_report(u, start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate()),
        lambda u: selectors.performance_report(
            u, start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate(), by_category=True
        ),
    ],
    ids=["dashboard", "overdue", "performance", "performance-by-category"],
)
def test_report_query_count_does_not_grow_with_rows(org, report):
    make_cases(org, 3)
    closed_case(org)
    small = queries_for(lambda: report(org.supervisor))
    make_cases(org, 30)
    for _ in range(3):
        closed_case(org)
    assert queries_for(lambda: report(org.supervisor)) == small


def test_dashboard_counts_open_and_overdue_by_department(org):
    make_cases(org, 6)
    data = selectors.dashboard(org.analyst)
    dept = data["by_department"]
    i = dept["labels"].index(org.road.name)
    assert dept["open"][i] == 6 and dept["overdue"][i] == 2
    assert sum(data["weekly"]["received"]) == 6
    assert len(data["on_time"]["labels"]) == 12


def test_supervisor_reports_are_scoped_to_the_subtree(org):
    make_cases(org, 2)
    assert selectors.dashboard(org.supervisor_epb)["by_department"]["labels"] == []
    assert not selectors.may_see_reports(org.officer)


def test_performance_report_figures(org):
    case, _ = closed_case(org)
    case_late, _ = new_case(org, category=org.pothole)
    services.case_accept(case=case_late, by=org.officer)
    Case.objects.filter(pk=case_late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    case_late.refresh_from_db()
    services.case_submit_reply(case=case_late, reply="晚了", by=org.officer)
    services.case_approve(case=case_late, by=org.supervisor)
    report = selectors.performance_report(org.analyst, start=timezone.localdate(), end=timezone.localdate())
    row = next(r for r in report["rows"] if r.department == org.road.name)
    assert (row.received, row.closed, row.closed_on_time, row.closed_late, row.on_time_rate) == (2, 2, 1, 1, 50.0)
    assert row.avg_working_days == 0
    assert report["totals"].closed == 2


def test_performance_report_by_department_and_category(org, client_for):
    closed_case(org)
    new_case(org, category=org.lights)
    report = selectors.performance_report(
        org.analyst, start=timezone.localdate(), end=timezone.localdate(), by_category=True
    )
    labels = {r.department: r for r in report["rows"]}
    assert labels[f"{org.light.name} · {org.lights.name}"].received == 1
    assert labels[f"{org.road.name} · {org.pothole.name}"].closed == 1
    html = client_for(org.analyst).get(
        "/reports/performance/",
        {"start": timezone.localdate().isoformat(), "end": timezone.localdate().isoformat(), "by_category": "on"},
    ).content.decode()
    assert f"{org.road.name} · {org.pothole.name}" in html and "by_category=on&amp;format=csv" in html


def test_report_pages_render_and_export(org, client_for):
    make_cases(org, 4)
    closed_case(org)
    c = client_for(org.supervisor)
    html = c.get("/reports/").content.decode()
    assert 'id="dashboard-data"' in html and "chart.umd.min.js" in html and "<canvas" in html
    assert c.get("/reports/overdue/").status_code == 200
    resp = c.get("/reports/overdue/", {"format": "csv"})
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][0] == "案號 Case" and len(rows) == 3
    # A citizen's formula-looking subject is neutralised.
    assert all(r[1].startswith("'=") for r in rows[1:])
    xlsx = c.get("/reports/overdue/", {"format": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["逾期案件 Cases"].max_row == 3
    perf = c.get("/reports/performance/", {"start": (timezone.localdate() - dt.timedelta(days=300)).isoformat(), "end": timezone.localdate().isoformat(), "format": "xlsx"})
    ws = load_workbook(io.BytesIO(perf.content)).active
    assert ws.cell(1, 1).value == "單位 Department"


def test_report_pages_need_a_reporting_role(org, client_for):
    assert client_for(org.officer).get("/reports/").status_code == 403
    assert client_for(org.analyst).get("/reports/overdue/").status_code == 200


def test_bad_period_is_a_400_with_the_error_next_to_the_field(org, client_for):
    resp = client_for(org.analyst).get("/reports/performance/", {"start": "2025-05-01", "end": "2025-04-01"})
    assert resp.status_code == 400 and 'id="id_end_error"' in resp.content.decode()


def test_average_working_days_to_close_per_department_and_per_category(org):
    from casesys.workcal.calendar import WorkCalendar, local_date

    case, _ = closed_case(org)
    received = timezone.now() - dt.timedelta(days=9)
    Case.objects.filter(pk=case.pk).update(received_at=received)
    other, _ = closed_case(org)  # received and closed today: 0 working days
    expected = WorkCalendar.load().working_days_between(local_date(received), timezone.localdate())
    assert expected >= 5

    for by_category in (False, True):
        report = selectors.performance_report(
            org.analyst, start=timezone.localdate(), end=timezone.localdate(), by_category=by_category
        )
        label = org.road.name if not by_category else f"{org.road.name} · {org.pothole.name}"
        row = next(r for r in report["rows"] if r.department == label)
        assert row.closed == 2 and row.avg_working_days == round(expected / 2, 1)
        assert report["totals"].avg_working_days == round(expected / 2, 1)
