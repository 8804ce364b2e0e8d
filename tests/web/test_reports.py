from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from casesys.cases import services
from casesys.cases.models import Case
from casesys.reports import selectors
from casesys.reports.exports import SURVEY_HEADER, reader_text
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
        lambda u: selectors.survey_report(u, start=timezone.localdate() - dt.timedelta(days=300), end=timezone.localdate()),
    ],
    ids=["dashboard", "overdue", "performance", "performance-by-category", "surveys"],
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
    assert rows[0][0] == "案號" and len(rows) == 3
    # A citizen's formula-looking subject is neutralised.
    assert all(r[1].startswith("'=") for r in rows[1:])
    xlsx = c.get("/reports/overdue/", {"format": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["逾期案件"].max_row == 3
    perf = c.get("/reports/performance/", {"start": (timezone.localdate() - dt.timedelta(days=300)).isoformat(), "end": timezone.localdate().isoformat(), "format": "xlsx"})
    ws = load_workbook(io.BytesIO(perf.content)).active
    assert ws.cell(1, 1).value == "單位"


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


# --- outcomes, transfers, reopenings and surveys, on a frozen calendar ---------------------------

TPE = ZoneInfo("Asia/Taipei")
FRIDAY = dt.datetime(2026, 3, 13, 10, 0, tzinfo=TPE)  # next working days: Mon 16, Tue 17


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TPE)


def close_at(org, case, moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        services.case_accept(case=case, by=org.officer)
        services.case_submit_reply(case=case, reply="已修補完成。", by=org.officer)
        services.case_approve(case=case, by=org.supervisor)
    return case


def table_rows(html: str, table_id: str | None = None) -> tuple[list[str], list[list[str]]]:
    """(column headers, [[row header, cells…], …]) of the page's (first, or given) table."""
    if table_id:
        html = html[html.index(f'id="{table_id}"'):]
    table = html[: html.index("</table>")]
    strip = lambda cell: re.sub(r"<[^>]+>", "", cell).strip()  # noqa: E731
    head = [strip(c) for c in re.findall(r'<th scope="col">(.*?)</th>', table, re.S)]
    rows = [
        [strip(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", table[table.index("</thead>"):], re.S)
    ]
    return head, rows


def csv_rows(response) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header = next(reader)
    return [dict(zip(header, row, strict=True)) for row in reader]


@pytest.fixture
def outcomes(org):
    """March 2026 at 道路養護科 (24-hour pothole deadline): 3 answered (2 on time, 1 late),
    2 transferred (1 late, 1 on time thanks to a site visit), 1 filed, 1 merged into an open
    case, 1 closed and then reopened."""
    with time_machine.travel(FRIDAY, tick=False):
        answered = [new_case(org, category=org.pothole)[0] for _ in range(3)]
        late_transfer, visit_transfer, filed, merged, carrier, reopened = (
            new_case(org, category=org.pothole)[0] for _ in range(6)
        )
    close_at(org, answered[0], at(3, 13, 15))
    close_at(org, answered[1], at(3, 13, 16))
    close_at(org, answered[2], at(3, 16, 9))  # Monday: past the 24 hours
    close_at(org, reopened, at(3, 13, 17))
    with time_machine.travel(at(3, 17, 11), tick=False):  # Tuesday: a working day too late
        services.case_transfer(case=late_transfer, agency="交通部公路局", reason="國道非本府權責", by=org.supervisor)
        services.case_transfer(
            case=visit_transfer, agency="經濟部水利署", reason="會勘後確認為河川區域", site_visit=True, by=org.supervisor
        )
        services.case_file(case=filed, reason_code="no_content", by=org.supervisor)
        services.case_merge(case=merged, into=carrier, by=org.supervisor)
        services.case_reopen(case=reopened, reason="民眾表示仍未修復", by=org.supervisor)
    return org


MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def test_performance_page_counts_answered_cases_in_the_rate_and_the_rest_apart(outcomes, client_for):
    org = outcomes
    with time_machine.travel(at(3, 20), tick=False):
        html = client_for(org.analyst).get("/reports/performance/", MARCH).content.decode()
    head, rows = table_rows(html)
    road = dict(zip(head[1:], next(r for r in rows if r[0] == org.road.name)[1:], strict=True))
    assert road == {
        "收件": "9",
        "答復結案": "3",
        "依限結案": "2",
        "逾限結案": "1",
        "依限結案率": "66.7%",
        "平均結案工作天": road["平均結案工作天"],
        "移文": "2",
        "依限移文": "1",
        "逾限移文": "1",
        "存查": "1",
        "併案": "1",
        "重新處理": "1",
        "展延": "0",
        "滿意度（回覆數）": "— (0)",
    }
    assert "依限結案率只計答復結案的案件" in html


def test_performance_csv_and_xlsx_have_the_outcome_columns(outcomes, client_for):
    org = outcomes
    client = client_for(org.supervisor)
    with time_machine.travel(at(3, 20), tick=False):
        rows = csv_rows(client.get("/reports/performance/", {**MARCH, "format": "csv"}))
        xlsx = client.get("/reports/performance/", {**MARCH, "by_category": "on", "format": "xlsx"})
    road = next(r for r in rows if r["單位"] == org.road.name)
    assert (road["答復結案"], road["依限結案率%"]) == ("3", "66.7")
    assert (road["移文"], road["依限移文"], road["逾限移文"]) == ("2", "1", "1")
    assert (road["存查"], road["併案"], road["重新處理"]) == ("1", "1", "1")
    assert rows[-1]["單位"] == "合計" and rows[-1]["依限結案率%"] == "66.7"
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in ws[1]]
    by_cat = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    pothole = by_cat[f"{org.road.name} · {org.pothole.name}"]
    assert (pothole["逾限結案"], pothole["逾限移文"], pothole["重新處理"]) == (1, 1, 1)


def test_reopened_is_counted_in_the_period_of_the_reopening(outcomes):
    april = selectors.performance_report(outcomes.analyst, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    assert april["totals"].reopened == 0
    march = selectors.performance_report(outcomes.analyst, start=dt.date(2026, 3, 17), end=dt.date(2026, 3, 17))
    assert (march["totals"].reopened, march["totals"].closed, march["totals"].transferred) == (1, 0, 2)


def test_dashboard_rate_and_weekly_closed_leave_out_transfers_filings_and_mergers(outcomes, client_for):
    with time_machine.travel(at(3, 20), tick=False):
        data = selectors.dashboard(outcomes.analyst)
        html = client_for(outcomes.analyst).get("/reports/").content.decode()
    march = data["on_time"]["labels"].index("2026-03")
    assert (data["on_time"]["closed"][march], data["on_time"]["rate"][march]) == (3, 66.7)
    week = data["weekly"]["labels"].index("2026-03-16")
    # Monday 16: one late answer; Tuesday 17: two transfers, a filing and a merger.
    assert (data["weekly"]["closed"][week], data["weekly"]["routed_out"][week]) == (1, 4)
    head, _rows = table_rows(html)
    assert head == ["週（週一）", "收件", "結案", "移文、存查、併案"]


# --- survey analysis --------------------------------------------------------------------------


@pytest.fixture
def surveys(org):
    """道路養護科: January 4 answered (one survey-exempt), scores 5 and 1, the 1's follow-up done;
    February 2 answered, one score 2 with its follow-up still open. 路燈科: January 1 answered, 4."""
    from casesys.cases.models import Category, FollowUp

    exempt = Category.objects.create(code="ROAD-PERMIT", name="路權申請", department=org.road, survey_exempt=True)

    def answered(category, month: int, day: int, score: int | None = None):
        with time_machine.travel(at(month, day, 9), tick=False):
            case, _ = new_case(org, category=category)
        officer = org.officer_light if category == org.lights else org.officer
        with time_machine.travel(at(month, day, 15), tick=False):
            services.case_accept(case=case, by=officer)
            services.case_submit_reply(case=case, reply="已處理。", by=officer)
            services.case_approve(case=case, by=org.supervisor)
        if score is not None:
            Case.objects.filter(pk=case.pk).update(satisfaction=score, surveyed_at=at(month, day + 1))
        return case

    answered(org.pothole, 1, 6, 5)
    low_jan = answered(org.pothole, 1, 7, 1)
    answered(org.pothole, 1, 8)
    answered(exempt, 1, 9)
    answered(org.lights, 1, 12, 4)
    low_feb = answered(org.pothole, 2, 3, 2)
    answered(org.pothole, 2, 4)
    FollowUp.objects.create(
        case=low_jan, department=org.road, score=1, status=FollowUp.Status.DONE, opened_at=at(1, 8),
        due_at=at(1, 13), closed_at=at(1, 9), method=FollowUp.Method.CALLBACK,
    )
    FollowUp.objects.create(case=low_feb, department=org.road, score=2, opened_at=at(2, 4), due_at=at(2, 9))
    return org


Q1 = {"start": "2026-01-01", "end": "2026-03-31"}


def test_survey_page_shows_the_monthly_trend_and_each_department(surveys, client_for):
    org = surveys
    with time_machine.travel(at(4, 10), tick=False):
        html = client_for(org.supervisor).get("/reports/surveys/", Q1).content.decode()
    head, trend = table_rows(html, "survey-trend")
    assert head == ["單位", "月份", "答復結案", "應受調查", "回覆", "回覆率", "平均分數", "不滿意", "已回訪／回訪", "回訪完成率"]
    assert trend == [
        ["合計", "2026-01", "5", "4", "3", "75.0%", "3.33", "1", "1 / 1", "100.0%"],
        ["合計", "2026-02", "2", "2", "1", "50.0%", "2.0", "1", "0 / 1", "0.0%"],
        ["合計", "2026-03", "0", "0", "0", "—", "—", "0", "0 / 0", "—"],
        ["合計", "2026-01 – 2026-03", "7", "6", "4", "66.7%", "3.0", "2", "1 / 2", "50.0%"],
    ]
    _head, departments = table_rows(html, "survey-departments")
    assert departments == [  # by department name (路燈科 sorts before 道路養護科), then month
        [org.light.name, "2026-01", "1", "1", "1", "100.0%", "4.0", "0", "0 / 0", "—"],
        [org.road.name, "2026-01", "4", "3", "2", "66.7%", "3.0", "1", "1 / 1", "100.0%"],
        [org.road.name, "2026-02", "2", "2", "1", "50.0%", "2.0", "1", "0 / 1", "0.0%"],
    ]
    chart = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html).group(1))
    assert chart["surveys"] == {
        "labels": ["2026-01", "2026-02", "2026-03"],
        "response_rate": [75.0, 50.0, None],
        "follow_up_rate": [100.0, 0.0, None],
        "avg_score": [3.33, 2.0, None],
        "dissatisfied": [1, 1, 0],
    }
    assert 'data-chart="survey_rates"' in html and "charts.js" in html
    assert 'href="/reports/surveys/"' in html  # in the reports navigation


def test_survey_dissatisfied_threshold_is_a_setting(surveys, settings):
    settings.CASESYS = {**settings.CASESYS, "SURVEY_DISSATISFIED_MAX": 1}
    report = selectors.survey_report(surveys.analyst, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    assert [r.dissatisfied for r in report["trend"]] == [1, 0, 0] and report["threshold"] == 1


def test_survey_csv_and_xlsx_exports(surveys, client_for):
    client = client_for(surveys.analyst)
    with time_machine.travel(at(4, 10), tick=False):
        csv_response = client.get("/reports/surveys/", {**Q1, "format": "csv"})
        xlsx = client.get("/reports/surveys/", {**Q1, "format": "xlsx"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert 'filename="surveys-20260101-20260331.csv"' in csv_response["Content-Disposition"]
    rows = csv_rows(csv_response)
    assert [(r["單位"], r["月份"]) for r in rows] == [
        (surveys.light.name, "2026-01"), (surveys.road.name, "2026-01"), (surveys.road.name, "2026-02"),
        ("合計", "2026-01"), ("合計", "2026-02"), ("合計", "2026-03"),
        ("合計", "2026-01 – 2026-03"),
    ]
    jan = rows[1]
    columns = [reader_text(c) for c in SURVEY_HEADER[2:]]  # the reader's language: Chinese here
    assert [jan[c] for c in columns] == ["4", "3", "2", "66.7", "3.0", "1", "1", "1", "100.0"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["每月趨勢", "依單位", "條件"]
    trend = list(wb["每月趨勢"].iter_rows(min_row=2, values_only=True))
    # Months are date cells (the 1st, shown yyyy-mm); the total row's period stays text.
    assert [r[1] for r in trend] == [dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 1), "2026-01 – 2026-03"]
    assert trend[1][5:8] == (50.0, 2.0, 1)
    assert wb["依單位"].max_row == 4


def test_survey_report_is_scoped_to_the_supervisors_subtree(surveys, client_for):
    with time_machine.travel(at(4, 10), tick=False):
        html = client_for(surveys.supervisor_epb).get("/reports/surveys/", Q1).content.decode()
        assert "此期間沒有結案或回訪。" in html
        # Without a period: the last twelve months, May 2025 to today.
        default = client_for(surveys.supervisor).get("/reports/surveys/").content.decode()
        assert "<caption>2025-05-01 – 2026-04-10</caption>" in default
        assert table_rows(default, "survey-trend")[1][0][:2] == ["合計", "2025-05"]
        assert client_for(surveys.officer).get("/reports/surveys/", Q1).status_code == 403
        bad = client_for(surveys.analyst).get("/reports/surveys/", {"start": "2026-03-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and 'id="id_end_error"' in bad.content.decode()


def test_report_period_fields_show_the_default_period(org, client_for):
    # A localised date (2026/03/17) in <input type="date"> shows as an empty field.
    with time_machine.travel(dt.datetime(2026, 3, 17, 10, 0, tzinfo=ZoneInfo("Asia/Taipei")), tick=False):
        html = client_for(org.supervisor).get("/reports/performance/").content.decode()
    assert 'name="start" value="2026-03-01"' in html and 'name="end" value="2026-03-17"' in html
